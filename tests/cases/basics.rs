//! Tests every environment runs: the walking skeleton and the basic
//! contract of errors.

use crate::support::*;
use anysolver_coordinates::js::CoordinatesClient;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
async fn solves_a_challenge_end_to_end() {
    let c = challenge(5, 480, 320, "png").await;
    let key = account().await;
    let client = client(&key, "{}");
    let opts = opts("{}")
        .map(|o| with(o.into(), "comment", &JsValue::from_str(&c.comment)).unchecked_into());
    let got = ok(client.solve(JsValue::from_str(&c.image), opts)).await;
    assert_close(&points(&got), &c.answer, 3.0);
    let (created, _, _) = stats(&key).await;
    assert_eq!(created, 1);
}

#[wasm_bindgen_test]
async fn bare_base64_is_accepted() {
    let c = challenge(6, 400, 300, "jpeg").await;
    let bare = c.image.split_once(',').unwrap().1.to_owned();
    let client = client(&account().await, "{}");
    let opts = opts("{}")
        .map(|o| with(o.into(), "comment", &JsValue::from_str(&c.comment)).unchecked_into());
    let got = ok(client.solve(JsValue::from_str(&bare), opts)).await;
    assert_close(&points(&got), &c.answer, 3.0);
}

#[wasm_bindgen_test]
async fn a_missing_key_is_a_validation_error() {
    let e = CoordinatesClient::new(json("{}")).unwrap_err();
    assert_eq!(
        kind_code(&e),
        ("validation".into(), "MISSING_CLIENT_KEY".into())
    );
    assert_eq!(get_str(&e, "name"), "AnySolverError");
}

#[wasm_bindgen_test]
async fn an_unknown_key_is_an_api_error_and_never_echoed() {
    let secret = "anysolver_not_a_real_key_7f3a";
    let c = challenge(7, 320, 240, "png").await;
    let client = client(secret, "{}");
    let e = err(client.solve(
        JsValue::from_str(&c.image),
        opts(r#"{"comment": "click on every red circle"}"#),
    ))
    .await;
    assert_eq!(
        kind_code(&e),
        ("api".into(), "ERROR_KEY_DOES_NOT_EXIST".into())
    );
    assert!(!describe(&e).contains(secret));
    // The same client keeps working for other calls.
    let e = err(client.get_balance()).await;
    assert_eq!(kind_code(&e).1, "ERROR_KEY_DOES_NOT_EXIST");
}

#[wasm_bindgen_test]
async fn balance_reflects_the_charge() {
    let key = account().await;
    let client = client(&key, "{}");
    let before = ok(client.get_balance()).await.as_f64().unwrap();
    assert_eq!(before, 10.0);
    let c = challenge(8, 320, 240, "png").await;
    let opts = opts("{}")
        .map(|o| with(o.into(), "comment", &JsValue::from_str(&c.comment)).unchecked_into());
    let r = ok(client.recognize(JsValue::from_str(&c.image), opts)).await;
    let cost = get(&r, "cost").as_f64().unwrap();
    assert!(cost > 0.0);
    let after = ok(client.get_balance()).await.as_f64().unwrap();
    assert!(
        (before - cost - after).abs() < 1e-9,
        "{before} - {cost} != {after}"
    );
}

/// The loopback rule sees the host this engine's own URL parser sees
/// (`fetch` connects where `new URL(u).hostname` says), and the native
/// build's parser (the url crate) reads every spelling as the engine does.
#[wasm_bindgen_test]
async fn the_loopback_rule_agrees_with_the_engines_url_parser() {
    let hostname = js(
        "u",
        "try { return new URL(u).hostname; } catch { return null; }",
    );
    let cases = spellings();
    for url in &cases {
        let written = hostname
            .call1(&JsValue::NULL, &JsValue::from_str(url))
            .unwrap()
            .as_string()
            .unwrap_or_default();
        // A rooted name (`localhost.`) names the same host.
        let host = written.strip_suffix('.').unwrap_or(&written);
        let engine = host == "localhost"
            || host.ends_with(".localhost")
            || host == "[::1]"
            // The engine writes an IPv4 host in dotted decimal.
            || (host.starts_with("127.")
                && host.split('.').count() == 4
                && host.split('.').all(|p| p.bytes().all(|b| b.is_ascii_digit())));
        let ours = anysolver_coordinates::__private::is_loopback_url(url);
        assert_eq!(ours, engine, "{url}: the engine reads host {host:?}");
        let native = url::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default();
        assert_eq!(
            native, written,
            "{url}: the url crate and the engine disagree"
        );
    }
}

/// URLs whose hosts are spelt every way the URL standard reads them: names
/// in and out of `localhost`, IPv6 forms, and each IPv4 address on either
/// side of `127.0.0.0/8` in dotted, rooted, shortened, hexadecimal, octal,
/// single-number and percent-escaped form, bare and behind the userinfo,
/// backslash, query and subdomain tricks a URL can hide a host with.
fn spellings() -> Vec<String> {
    let mut hosts: Vec<String> = [
        "localhost:8080",
        "LOCALHOST./x",
        "app.localhost",
        "localhost.evil.com",
        "api.anysolver.com",
        "[::1]:8080/",
        "[0:0:0:0:0:0:0:1]",
        "[::2]",
    ]
    .map(String::from)
    .to_vec();
    for [a, b, c, d] in [
        [127, 0, 0, 1],
        [127, 255, 0, 9],
        [128, 0, 0, 1],
        [192, 168, 1, 10],
    ] {
        let escaped: String = a.to_string().bytes().map(|x| format!("%{x:02X}")).collect();
        hosts.extend([
            format!("{a}.{b}.{c}.{d}"),
            format!("{a}.{b}.{c}.{d}."),
            format!("{a}.{}", u32::from_be_bytes([0, b, c, d])),
            format!("{a}.{b}.{}", u16::from_be_bytes([c, d])),
            format!("0x{a:x}.{b}.{c}.{d}"),
            format!("0{a:o}.{b}.{c}.{d}"),
            format!("{}", u32::from_be_bytes([a, b, c, d])),
            format!("{escaped}.{b}.{c}.{d}"),
            format!("user@{a}.{b}.{c}.{d}:80"),
            format!("{a}.{b}.{c}.{d}\\@evil.com"),
            format!("{a}.{b}.{c}.{d}?@evil.com"),
            format!("{a}.{b}.{c}.{d}@evil.com"),
            format!("{a}.{b}.{c}.{d}.evil.com"),
        ]);
    }
    hosts.push("4294967295".into());
    hosts.iter().map(|h| format!("http://{h}")).collect()
}

/// Base64 both ways by each path the platform may offer, the same text and
/// the same bytes: the engine's own `Uint8Array.prototype.toBase64` and
/// `Uint8Array.fromBase64` (Chromium 140, Firefox 133), Node's `Buffer`
/// (the Node build), and `btoa`/`atob` of a binary string (older engines,
/// copied here by hiding the others for the length of the test).
#[wasm_bindgen_test]
fn base64_is_written_and_read_alike_by_every_platform_path() {
    use anysolver_coordinates::__private::encoding::{data_url, decode};
    let all: Vec<u8> = (0..=255u8).cycle().take(3 * 256 + 2).collect();
    let check = |path: &str| {
        let url = data_url("image/png", &all);
        let text = String::from(url.js().clone());
        assert!(
            text.starts_with("data:image/png;base64,AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g"),
            "{path}: {}",
            text.get(..80).unwrap_or(&text)
        );
        assert!(text.ends_with("/AAE="), "{path}: {}", text.len());
        assert_eq!(decode(&url).unwrap().bytes, all, "{path}");
        for n in 0..5 {
            let few = all.get(250..250 + n).unwrap();
            let url = data_url("image/png", few);
            let back = decode(&url).map(|d| d.bytes);
            assert_eq!(
                back.as_deref().unwrap_or_default(),
                few,
                "{path}, {n} bytes"
            );
        }
        assert_eq!(
            String::from(data_url("image/png", &[0xfb, 0xff, 1, 2]).js().clone()),
            "data:image/png;base64,+/8BAg==",
            "{path}"
        );
    };
    check("as the engine is");
    let hide = js(
        "name",
        "const [owner, key] = name === 'Buffer' ? [globalThis, 'Buffer'] : name === 'toBase64' \
         ? [Uint8Array.prototype, 'toBase64'] : [Uint8Array, 'fromBase64']; \
         const saved = Object.getOwnPropertyDescriptor(owner, key); delete owner[key]; \
         return () => { if (saved) Object.defineProperty(owner, key, saved); };",
    );
    let restore: Vec<js_sys::Function> = ["toBase64", "fromBase64", "Buffer"]
        .iter()
        .map(|name| {
            let f = hide
                .call1(&JsValue::NULL, &JsValue::from_str(name))
                .unwrap();
            check(&format!("without {name}"));
            f.unchecked_into()
        })
        .collect();
    for f in restore.iter().rev() {
        f.call0(&JsValue::NULL).unwrap();
    }
    check("restored");
}

/// By default a client has as many requests in flight as the platform
/// sends at once without queueing them: 6 in a page, a worker or a service
/// worker (the sandbox speaks HTTP/1.1, where a browser sends 6 at once to
/// one origin), every request in Node. Twelve solves at once through a
/// fetch that holds each request 300 ms: all solved, and at most that many
/// requests were in it at once.
#[wasm_bindgen_test]
async fn requests_in_flight_follow_the_platform() {
    let c = challenge(26, 320, 240, "png").await;
    let key = account().await;
    let seen = js_sys::Object::new();
    let slow = js(
        "seen",
        "seen.now = 0; seen.most = 0; \
         return async (req) => { seen.now++; seen.most = Math.max(seen.most, seen.now); \
           try { await new Promise(r => setTimeout(r, 300)); return await fetch(req); } finally { seen.now--; } }",
    )
    .call1(&JsValue::NULL, &seen)
    .unwrap();
    let client = client_through(&key, "{}", &slow);
    let calls: Vec<_> = (0..12)
        .map(|_| {
            let o = with(json("{}"), "comment", &JsValue::from_str(&c.comment));
            ok(client.solve(JsValue::from_str(&c.image), Some(o.unchecked_into())))
        })
        .collect();
    for call in calls {
        assert_close(&points(&call.await), &c.answer, 3.0);
    }
    let browser = js(
        "",
        "return (globalThis.navigator?.userAgent ?? '').startsWith('Mozilla/')",
    )
    .call0(&JsValue::NULL)
    .unwrap()
    .as_bool()
        == Some(true);
    assert_eq!(
        get(&seen, "most").as_f64(),
        Some(if browser { 6.0 } else { 12.0 }),
        "the most requests in flight at once (browser: {browser})"
    );
}
