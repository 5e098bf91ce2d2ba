//! Whether an endpoint's host is this machine, read as the WHATWG URL
//! parser (and so `fetch`) reads it. One pure rule for every target: the
//! wasm build does not ask the platform's `URL`, and a test in Chromium
//! and in Node checks that the two agree.
//!
//! What counts as this machine: `localhost` and its subdomains, the IPv4
//! block `127.0.0.0/8` in any spelling the URL parser accepts (`127.1`,
//! `0x7f.0.0.1`, `2130706433`, `127.0.0`), and the IPv6 loopback `[::1]`
//! in any spelling. A host the rule cannot read (an international domain
//! name, an invalid one) is not this machine: the rule errs on the side of
//! refusing.

use std::net::Ipv6Addr;

/// Whether `url` (`scheme://authority/...`) names a host on this machine.
pub fn is_loopback_url(url: &str) -> bool {
    // The URL parser drops ASCII tabs and newlines wherever they are.
    let url: String = url
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let rest = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
    // For http(s), a backslash ends the authority as a slash does.
    let authority = rest.split(['/', '\\', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = match host_port.strip_prefix('[') {
        Some(v6) => return v6.split(']').next().is_some_and(is_ipv6_loopback),
        None => host_port.split(':').next().unwrap_or_default(),
    };
    percent_decoded(host).is_some_and(|h| is_loopback_host(&h.to_ascii_lowercase()))
}

/// `host` with `%XX` escapes decoded, when the result is ASCII (a host
/// that decodes to anything else needs IDNA, which this rule does not do).
fn percent_decoded(host: &str) -> Option<String> {
    let bytes = host.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let escaped = (b == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(decoded) => {
                out.push(decoded);
                i += 3;
            }
            None => {
                out.push(b);
                i += 1;
            }
        }
    }
    out.is_ascii()
        .then(|| String::from_utf8(out).ok())
        .flatten()
}

/// A lowercase ASCII host (no brackets): `localhost`, a subdomain of it,
/// or an IPv4 address in `127.0.0.0/8`.
fn is_loopback_host(host: &str) -> bool {
    let name = host.strip_suffix('.').unwrap_or(host);
    if name == "localhost" || name.ends_with(".localhost") {
        return true;
    }
    ipv4(host).is_some_and(|a| a >> 24 == 127)
}

fn is_ipv6_loopback(inner: &str) -> bool {
    inner.parse::<Ipv6Addr>().is_ok_and(|a| a.is_loopback())
}

/// The IPv4 address a host spells, as the WHATWG URL parser reads it: one
/// to four dot-separated numbers, each decimal, octal (a leading `0`) or
/// hexadecimal (`0x`), the last filling the bytes that remain; one
/// trailing dot allowed. `None` when the host is not an IPv4 address.
fn ipv4(host: &str) -> Option<u32> {
    let host = host.strip_suffix('.').unwrap_or(host);
    let parts: Vec<&str> = host.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let numbers = parts
        .iter()
        .map(|p| ipv4_number(p))
        .collect::<Option<Vec<u64>>>()?;
    let (last, init) = numbers.split_last()?;
    if init.iter().any(|n| *n > 255) {
        return None;
    }
    // The last number fills the bytes the others left: below 256^(5 - n).
    let room = 8 * (5 - numbers.len() as u32);
    if *last >= 1u64 << room {
        return None;
    }
    let mut address = *last;
    for (i, n) in init.iter().enumerate() {
        address += n << (8 * (3 - i as u32));
    }
    u32::try_from(address).ok()
}

/// One part of an IPv4 host: decimal, `0`-prefixed octal or `0x` hex.
fn ipv4_number(part: &str) -> Option<u64> {
    if part.is_empty() {
        return None;
    }
    let (digits, radix) =
        if let Some(hex) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
            (hex, 16)
        } else if part.len() > 1 && part.starts_with('0') {
            (part.get(1..)?, 8)
        } else {
            (part, 10)
        };
    if digits.is_empty() {
        return Some(0);
    }
    // Longer than any address: not a number worth reading.
    if digits.len() > 12 || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_machine_in_every_spelling() {
        for url in [
            "http://localhost:8080",
            "http://localhost./x",
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
            "http://127.0.0.1.1",
            "http://4294967296",
            "http://0x80000000",
            "http://1.2.3.4.5",
            "http://%e2%82%ac",
            "http://",
            "",
        ] {
            assert!(!is_loopback_url(url), "{url}");
        }
    }

    #[test]
    fn ipv4_as_the_url_parser_reads_it() {
        assert_eq!(ipv4("127.0.0.1"), Some(0x7f00_0001));
        assert_eq!(ipv4("127.1"), Some(0x7f00_0001));
        assert_eq!(ipv4("127.0.1"), Some(0x7f00_0001));
        assert_eq!(ipv4("0x7f.1"), Some(0x7f00_0001));
        assert_eq!(ipv4("0x"), Some(0));
        assert_eq!(ipv4("4294967295"), Some(u32::MAX));
        assert_eq!(ipv4("127.16777216"), None);
        assert_eq!(ipv4("256.0.0.1"), None);
        assert_eq!(ipv4("08.0.0.1"), None);
        assert_eq!(ipv4("example"), None);
    }
}
