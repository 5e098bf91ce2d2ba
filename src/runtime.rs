//! Which JS runtime the client is in, from `navigator.userAgent`: a pure
//! reading, tested natively. A leaf module: it uses nothing else of the
//! crate.

/// A JS runtime the client tells apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runtime {
    /// Node (no `navigator` before Node 21; `Node.js/<v>` after).
    Node,
    /// Deno (`Deno/<v>`).
    Deno,
    /// Bun (`Bun/<v>`).
    Bun,
    /// Cloudflare Workers (`Cloudflare-Workers`).
    Workers,
    /// A browser's page, worker or extension, or a runtime not named above.
    Other,
}

impl Runtime {
    /// The runtime whose `navigator.userAgent` is `user_agent` (`None`:
    /// it has no `navigator`, as Node 20).
    pub fn from_user_agent(user_agent: Option<&str>) -> Runtime {
        let Some(ua) = user_agent else {
            return Runtime::Node;
        };
        [
            ("Node.js/", Runtime::Node),
            ("Deno/", Runtime::Deno),
            ("Bun/", Runtime::Bun),
            ("Cloudflare-Workers", Runtime::Workers),
        ]
        .into_iter()
        .find(|(prefix, _)| ua.starts_with(prefix))
        .map_or(Runtime::Other, |(_, runtime)| runtime)
    }

    /// Whether its `fetch` sends every request at once, queueing none
    /// (a connection per request, no per-origin queue).
    pub fn fetch_queues_nothing(self) -> bool {
        matches!(self, Runtime::Node | Runtime::Deno | Runtime::Bun)
    }

    /// Its name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Runtime::Node => "Node",
            Runtime::Deno => "Deno",
            Runtime::Bun => "Bun",
            Runtime::Workers => "Cloudflare Workers",
            Runtime::Other => "this environment",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtimes_are_read_from_the_user_agent() {
        for (ua, runtime) in [
            (None, Runtime::Node),
            (Some("Node.js/22"), Runtime::Node),
            (Some("Deno/2.9.6"), Runtime::Deno),
            (Some("Bun/1.4.5"), Runtime::Bun),
            (Some("Cloudflare-Workers"), Runtime::Workers),
            (
                Some("Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0"),
                Runtime::Other,
            ),
        ] {
            assert_eq!(Runtime::from_user_agent(ua), runtime, "{ua:?}");
        }
        assert!(Runtime::Deno.fetch_queues_nothing());
        assert!(!Runtime::Workers.fetch_queues_nothing());
        assert_eq!(Runtime::Deno.name(), "Deno");
    }
}
