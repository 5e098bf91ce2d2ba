//! Any bytes as an API answer: parsed as the client parses a reply, read as
//! each method reads it, and the points checked. Nothing may panic, and an
//! error is always an error the caller can read.
#![no_main]

use anysolver_coordinates::__private::protocol::{Method, Poll, check_points, parse_answer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    let envelope = match parse_answer(Method::GetTaskResult, body) {
        Ok(envelope) => envelope,
        Err(e) => {
            assert!(!e.code.is_empty() && !e.message.is_empty());
            return;
        }
    };
    if let Some(e) = envelope.error() {
        assert!(!e.code.is_empty());
    }
    let _ = envelope.clone().into_task_id(body);
    let _ = envelope.clone().into_balance(body);
    match envelope.into_poll(body) {
        Ok(Poll::Ready(ready)) => {
            for (w, h) in [(400.0, 300.0), (f64::INFINITY, f64::INFINITY), (0.0, 0.0)] {
                let (good, bad) = check_points(&ready.coordinates, w, h);
                assert_eq!(good.len() + bad.len(), ready.coordinates.len());
                for p in good {
                    assert!(p.x.is_finite() && p.y.is_finite() && p.x >= 0.0 && p.y >= 0.0);
                    assert!(p.x <= w && p.y <= h);
                }
            }
        }
        Ok(Poll::Processing { status, .. }) => assert!(!status.is_empty()),
        Err(e) => assert!(!e.message.is_empty()),
    }
});
