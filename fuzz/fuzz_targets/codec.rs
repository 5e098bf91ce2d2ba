//! Any bytes as an image for the pure-Rust codec (the Node build's image
//! path): sniffed, planned, decoded, turned, shrunk and encoded without
//! panicking, within small limits so that every input is worked on; what
//! comes out is within them, and an error is one the caller can read.
#![no_main]

use anysolver_coordinates::Limits;
use anysolver_coordinates::__private::image::{Source, prepare};
use libfuzzer_sys::fuzz_target;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

fuzz_target!(|data: &[u8]| {
    let limits = Limits::new(2_000, 64);
    let fut = pin!(prepare(Source::Bytes(data.to_vec()), limits, "image", None));
    // The codec never waits: one poll completes the future.
    let Poll::Ready(prepared) = fut.poll(&mut Context::from_waker(Waker::noop())) else {
        panic!("the codec waited");
    };
    match prepared {
        Ok(p) => {
            let s = p.scaling;
            assert!(s.sent_width <= 64 && s.sent_height <= 64);
            assert!(p.data_url.starts_with("data:image/"));
        }
        Err(e) => assert!(!e.code.is_empty() && !e.message.is_empty()),
    }
});
