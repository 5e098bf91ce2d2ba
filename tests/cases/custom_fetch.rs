//! A caller's `fetch` in the client options: every request goes through
//! it, and one that misbehaves (rejects with a non-Error, resolves to a
//! non-Response, throws) ends the call in a typed error, not a pending
//! promise or a trap.

use crate::support::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
async fn a_user_supplied_fetch_is_used() {
    let c = challenge(23, 360, 240, "png").await;
    let key = account().await;
    let calls = js_sys::Array::new();
    let counting = js(
        "calls",
        "return (req, init) => { calls.push(typeof req === 'string' ? req : req.url); return fetch(req, init); }",
    )
    .call1(&JsValue::NULL, &calls)
    .unwrap();
    let client = client_through(&key, "{}", &counting);
    let got = ok(client.solve(JsValue::from_str(&c.image), call_opts(&c, "{}"))).await;
    assert_close(&points(&got), &c.answer, 3.0);
    let urls: Vec<String> = calls.iter().filter_map(|u| u.as_string()).collect();
    assert!(
        urls.first().is_some_and(|u| u.ends_with("/createTask")),
        "{urls:?}"
    );
    assert!(urls.iter().skip(1).all(|u| u.ends_with("/getTaskResult")) && urls.len() >= 2);
    let (_, creates, polls) = stats(&key).await;
    assert_eq!(
        creates + polls,
        urls.len() as u64,
        "every request went through the given fetch"
    );
}

/// A caller's fetch that misbehaves on its first call (rejects with a bare
/// string, resolves to `{}` or to `undefined`, throws): the call rejects
/// with a typed error, and the same client then solves through it.
#[wasm_bindgen_test]
async fn a_misbehaving_user_fetch_is_a_typed_error() {
    for (i, (first, kind, code)) in [
        (
            "Promise.reject('a bare string')",
            "network",
            "NETWORK_ERROR",
        ),
        ("Promise.resolve({})", "parse", "INVALID_RESPONSE"),
        ("Promise.resolve(undefined)", "parse", "INVALID_RESPONSE"),
        ("(() => { throw 42; })()", "network", "NETWORK_ERROR"),
    ]
    .into_iter()
    .enumerate()
    {
        let key = account().await;
        let fetch = js(
            "",
            &format!("let n = 0; return (req) => n++ === 0 ? {first} : fetch(req);"),
        )
        .call0(&JsValue::NULL)
        .unwrap();
        let client = client_through(&key, "{}", &fetch);
        let c = challenge(70 + i as u64, 320, 240, "png").await;
        let e = err(client.solve(JsValue::from_str(&c.image), call_opts(&c, "{}"))).await;
        assert_eq!(kind_code(&e), (kind.into(), code.into()), "{first}");
        assert_eq!(get_str(&e, "name"), "AnySolverError", "{first}");
        still_solves(&client, 80 + i as u64).await;
    }
}
