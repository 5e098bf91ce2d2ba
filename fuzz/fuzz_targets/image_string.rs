//! Any text as the image string (bare base64 or a data URL): decoded
//! without panicking, and what decodes survives a round trip through
//! `data_url`.
#![no_main]

use anysolver_coordinates::__private::encoding::{Chars, data_url, decode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match decode(&Chars::from(text)) {
        Ok(d) => {
            let mime = d.declared_mime.as_deref().unwrap_or("image/png");
            let again = decode(&data_url(mime, &d.bytes)).map(|a| a.bytes);
            assert_eq!(again.ok(), Some(d.bytes));
        }
        Err(e) => assert!(!e.code.is_empty() && !e.message.is_empty()),
    }
});
