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

/// A client holds the key or goes through a relay, never both: `relay`
/// with a key is refused, with no key or `""` accepted (at the relay's
/// endpoint), and a key that is not a string is refused as missing.
#[wasm_bindgen_test]
fn a_client_has_a_key_or_a_relay() {
    use anysolver_coordinates::js::CoordinatesClient;
    let relay = r#""relay": true, "endpoint": "https://relay.example.com""#;
    for (o, code, needle) in [
        (
            format!(r#"{{{relay}, "clientKey": "anysolver_x"}}"#),
            "INVALID_OPTION",
            "exclude each other",
        ),
        (
            format!(r#"{{{relay}, "clientKey": 42}}"#),
            "MISSING_CLIENT_KEY",
            "clientKey",
        ),
        (
            r#"{"relay": true}"#.to_owned(),
            "INVALID_OPTION",
            "relay's URL",
        ),
        ("{}".to_owned(), "MISSING_CLIENT_KEY", "clientKey"),
        (
            r#"{"clientKey": "  "}"#.to_owned(),
            "MISSING_CLIENT_KEY",
            "clientKey",
        ),
    ] {
        let e = CoordinatesClient::new(json(&o)).unwrap_err();
        assert_eq!(kind_code(&e), ("validation".into(), code.into()), "{o}");
        assert!(
            get_str(&e, "message").contains(needle),
            "{o}: {}",
            describe(&e)
        );
    }
    for o in [
        format!("{{{relay}}}"),
        format!(r#"{{{relay}, "clientKey": ""}}"#),
    ] {
        assert!(CoordinatesClient::new(json(&o)).is_ok(), "{o}");
    }
}
