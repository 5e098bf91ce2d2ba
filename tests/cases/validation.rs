//! Call options the client refuses: each one a `validation` error with
//! code `INVALID_OPTION` that names the option, after which the same client
//! goes on solving.

use crate::support::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
async fn bad_options_are_validation_errors_and_the_client_goes_on() {
    let (c, _, client) = setup("Vision", "{}").await;
    for (o, needle) in [
        (r#"{"minClicks": 3, "maxClicks": 2}"#, "minClicks"),
        (r#"{"minClicks": 1.5}"#, "minClicks"),
        (r#"{"maxClicks": -1}"#, "maxClicks"),
        (r#"{"selectionMode": "fastest"}"#, "selectionMode"),
        (r#"{"keyPoolMode": "mine"}"#, "keyPoolMode"),
        (r#"{"signal": 5}"#, "signal"),
        (r#"{"onProgress": "x"}"#, "onProgress"),
        (r#"{"timeoutMs": -5}"#, "timeoutMs"),
    ] {
        let e = err(client.solve(JsValue::from_str(&c.image), opts(o))).await;
        assert_eq!(
            kind_code(&e),
            ("validation".into(), "INVALID_OPTION".into()),
            "{o}"
        );
        assert!(
            get_str(&e, "message").contains(needle),
            "{o}: {}",
            describe(&e)
        );
    }
    let got = ok(client.solve(JsValue::from_str(&c.image), call_opts(&c, "{}"))).await;
    assert_close(&points(&got), &c.answer, 3.0);
}
