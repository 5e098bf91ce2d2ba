//! Any bytes as an image header: sniffed without panicking; a size is
//! never zero.
#![no_main]

use anysolver_coordinates::__private::sniff::sniff;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match sniff(data) {
        Ok(info) => assert!(info.width > 0 && info.height > 0),
        Err(e) => assert!(!e.code.is_empty() && !e.message.is_empty()),
    }
});
