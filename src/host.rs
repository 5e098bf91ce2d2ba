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

/// Whether `url` (`scheme://authority/...`) names a host on this machine.
pub fn is_loopback_url(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    // For http(s), a backslash ends the authority as a slash does.
    let authority = rest.split(['/', '\\', '?', '#']).next().unwrap_or_default();
    // The host follows the last `@`, if there is one (user info before it).
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let Some(host) = decoded(host_port) else {
        return false;
    };
    match host.strip_prefix('[') {
        Some(v6) => v6
            .split(']')
            .next()
            .and_then(ipv6)
            .is_some_and(|groups| groups == [0, 0, 0, 0, 0, 0, 0, 1]),
        None => is_loopback_host(host.split(':').next().unwrap_or_default()),
    }
}

/// `host` lowercased, with `%XX` escapes decoded and ASCII tabs and
/// newlines dropped (as the URL parser drops them), when the result is
/// ASCII (a host that decodes to anything else needs IDNA, which this rule
/// does not do).
fn decoded(host: &str) -> Option<String> {
    let mut out = String::with_capacity(host.len());
    let mut bytes = host.bytes();
    while let Some(b) = bytes.next() {
        let b = if b == b'%' {
            let mut ahead = bytes.clone();
            match (ahead.next().and_then(hex), ahead.next().and_then(hex)) {
                (Some(hi), Some(lo)) => {
                    bytes = ahead;
                    hi * 16 + lo
                }
                _ => b,
            }
        } else {
            b
        };
        if !b.is_ascii() {
            return None;
        }
        if !matches!(b, b'\t' | b'\n' | b'\r') {
            out.push(char::from(b.to_ascii_lowercase()));
        }
    }
    Some(out)
}

/// The value of a hex digit.
fn hex(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
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

/// The eight groups of an IPv6 address (without brackets): groups of one
/// to four hex digits, `::` once for as many zero groups as are missing.
/// `None` for anything else, embedded IPv4 included (never the loopback).
/// Written out rather than `std::net::Ipv6Addr`'s parser, which costs
/// 3.5 KB of wasm for the one address this rule looks for.
fn ipv6(inner: &str) -> Option<[u16; 8]> {
    fn groups(s: &str, out: &mut [u16; 8]) -> Option<usize> {
        if s.is_empty() {
            return Some(0);
        }
        let mut n = 0;
        for g in s.split(':') {
            if g.is_empty() || g.len() > 4 {
                return None;
            }
            let value = g
                .bytes()
                .try_fold(0u16, |acc, b| Some(acc * 16 + u16::from(hex(b)?)))?;
            *out.get_mut(n)? = value;
            n += 1;
        }
        Some(n)
    }
    let mut head = [0u16; 8];
    match inner.split_once("::") {
        None => (groups(inner, &mut head)? == 8).then_some(head),
        Some((h, t)) => {
            let mut tail = [0u16; 8];
            let (h, t) = (groups(h, &mut head)?, groups(t, &mut tail)?);
            if h + t > 7 {
                return None;
            }
            for i in 0..t {
                *head.get_mut(8 - t + i)? = *tail.get(i)?;
            }
            Some(head)
        }
    }
}

/// The IPv4 address a host spells, as the WHATWG URL parser reads it: one
/// to four dot-separated numbers, each decimal, octal (a leading `0`) or
/// hexadecimal (`0x`), the last filling the bytes that remain; one
/// trailing dot allowed. `None` when the host is not an IPv4 address.
fn ipv4(host: &str) -> Option<u32> {
    let host = host.strip_suffix('.').unwrap_or(host);
    let mut numbers = [0u64; 4];
    let mut n = 0;
    for part in host.split('.') {
        *numbers.get_mut(n)? = ipv4_number(part)?;
        n += 1;
    }
    let (last, init) = numbers.get(..n)?.split_last()?;
    // The last number fills the bytes the others left: below 256^(5 - n).
    if init.iter().any(|x| *x > 255) || *last >= 1u64 << (8 * (5 - n)) {
        return None;
    }
    let mut address = *last;
    for (i, x) in init.iter().enumerate() {
        address += x << (8 * (3 - i));
    }
    u32::try_from(address).ok()
}

/// One part of an IPv4 host: decimal, `0`-prefixed octal or `0x` hex.
fn ipv4_number(part: &str) -> Option<u64> {
    let (digits, radix) = if let Some(h) = part.strip_prefix("0x") {
        (h, 16)
    } else if part.len() > 1 && part.starts_with('0') {
        (part.get(1..)?, 8)
    } else if part.is_empty() {
        return None;
    } else {
        (part, 10)
    };
    // Longer than any address: not worth reading.
    if digits.len() > 12 {
        return None;
    }
    digits.bytes().try_fold(0u64, |acc, b| {
        Some(acc * u64::from(radix) + u64::from(char::from(b).to_digit(radix)?))
    })
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
        assert_eq!(ipv6("::1"), Some([0, 0, 0, 0, 0, 0, 0, 1]));
        assert_eq!(ipv6("0:0:0:0:0:0:0:1"), Some([0, 0, 0, 0, 0, 0, 0, 1]));
        assert_eq!(ipv6("1::"), Some([1, 0, 0, 0, 0, 0, 0, 0]));
        assert_eq!(ipv6("fe80::1:2"), Some([0xfe80, 0, 0, 0, 0, 0, 1, 2]));
        for bad in [
            "",
            ":::1",
            "1::2::3",
            "12345::",
            "::ffff:127.0.0.1",
            "1:2:3:4:5:6:7",
            "g::",
        ] {
            assert_eq!(ipv6(bad), None, "{bad}");
        }
    }
}
