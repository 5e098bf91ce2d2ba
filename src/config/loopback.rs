//! Whether an endpoint's host is this machine.
//!
//! One rule, [`is_loopback_host`], over the host as the WHATWG URL parser
//! writes it (lowercase, IPv4 in dotted decimal, IPv6 in brackets and
//! shortest form): `localhost` and its subdomains, `127.0.0.0/8` and
//! `[::1]`. The parsing that yields that host is the WHATWG parser's on
//! both targets: the platform's own `URL` in wasm (the very parser `fetch`
//! uses, at no cost in size), and the `url` crate, the reference
//! implementation in Rust, natively. A test in Chromium, Firefox and Node
//! checks that both read every spelling alike (`127.1`, `0x7f.0.0.1`,
//! `2130706433`, `127.0.0`, `[0:0::1]`, percent-escapes…).

/// Whether `url` names a host on this machine.
pub fn is_loopback_url(url: &str) -> bool {
    hostname(url).is_some_and(|h| is_loopback_host(&h))
}

/// The host of `url` as the WHATWG URL parser writes it; `None` when it is
/// not a URL with a host.
#[cfg(target_arch = "wasm32")]
pub fn hostname(url: &str) -> Option<String> {
    web_sys::Url::new(url)
        .ok()
        .map(|u| u.hostname())
        .filter(|h| !h.is_empty())
}

/// The host of `url` as the WHATWG URL parser writes it; `None` when it is
/// not a URL with a host.
#[cfg(not(target_arch = "wasm32"))]
pub fn hostname(url: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
}

/// Whether a host, as the URL parser writes it, is this machine:
/// `localhost` or a subdomain of it (a trailing dot allowed), an IPv4
/// address in `127.0.0.0/8`, or `[::1]`.
pub fn is_loopback_host(host: &str) -> bool {
    let name = host.strip_suffix('.').unwrap_or(host);
    if name == "localhost" || name.ends_with(".localhost") || host == "[::1]" {
        return true;
    }
    let mut parts = 0;
    let all_octets = host.split('.').all(|p| {
        parts += 1;
        (1..=3).contains(&p.len())
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.bytes().fold(0u16, |n, b| n * 10 + u16::from(b - b'0')) <= 255
    });
    all_octets && parts == 4 && host.starts_with("127.")
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;

    #[test]
    fn this_machine_in_every_spelling() {
        for url in [
            "http://localhost:8080",
            "http://LOCALHOST./x",
            "http://app.localhost",
            "http://127.0.0.1:3000/api",
            "http://127.255.0.9",
            "http://127.0.0",
            "http://127.1",
            "http://0x7f.0.0.1",
            "http://0177.0.0.1",
            "http://2130706433",
            "http://127.0.0.1.",
            "http://[::1]:8080/",
            "http://[0:0:0:0:0:0:0:1]",
            "http://user@127.0.0.1:80",
            "http://user:pw@localhost",
            "http://%31%32%37.0.0.1",
            "http://127.0.0.1\\@evil.com",
            "http://127.0.0.1?@evil.com",
            "http://127.0.0.1#@evil.com",
            "http://loc\talhost",
        ] {
            assert!(is_loopback_url(url), "{url}");
        }
    }

    #[test]
    fn anything_else_is_not() {
        for url in [
            "http://api.anysolver.com",
            "http://192.168.1.10:8080",
            "http://127.0.0.1.evil.com",
            "http://localhost.evil.com",
            "http://localhostx",
            "http://127.0.0.1@evil.com",
            "http://[::2]",
            "http://[::ffff:127.0.0.1]",
            "http://128.0.0.1",
            "http://127.0.0.256",
            "http://4294967296",
            "http://0x80000000",
            "http://",
            "",
        ] {
            assert!(!is_loopback_url(url), "{url}");
        }
    }

    #[test]
    fn canonical_hosts() {
        for yes in [
            "localhost",
            "a.b.localhost",
            "127.0.0.1",
            "127.9.8.7",
            "[::1]",
        ] {
            assert!(is_loopback_host(yes), "{yes}");
        }
        for no in [
            "127.0.0.1.1",
            "127.0.0",
            "1270.0.0.1",
            "[::2]",
            "example.com",
            "",
        ] {
            assert!(!is_loopback_host(no), "{no}");
        }
    }
}
