//! The providers behind the sandbox and how a task is routed to one.

use crate::faults::Fault;
use std::collections::HashMap;

/// Which pool of provider keys a provider belongs to (`keyPoolMode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pool {
    /// Platform-managed keys.
    Platform,
    /// Community-contributed keys.
    Community,
}

/// What does the solving.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// Finds the named shapes in the image.
    Vision,
    /// A person on the `/worker` page.
    Human,
    /// Does not support CoordinatesRecognition at all.
    TextOnly,
    /// A deterministic fault scenario (forced by `provider` only).
    Fault(Fault),
}

/// One provider as a request names it, with its price.
#[derive(Clone, Debug)]
pub struct Provider {
    /// The name answers carry in `provider`.
    pub name: String,
    /// What solves.
    pub kind: Kind,
    /// Price per task in micro-dollars.
    pub price_micros: i64,
    /// Which key pool it draws from.
    pub pool: Pool,
    /// For the vision provider: how long the task stays `processing` (ms);
    /// `None` uses the sandbox's default.
    pub delay_ms: Option<u64>,
    /// With `delay_ms`: each task's delay is drawn log-normally around it,
    /// with this σ of its logarithm (`Vision:<ms>~<σ>`).
    pub delay_sigma: Option<f64>,
    /// With `delay_sigma`: the draws are a sequence seeded by this
    /// (`Vision:<ms>~<σ>@<seed>`), the n-th task of an account taking the
    /// n-th, so that two clients run on fresh accounts meet the same solve
    /// times.
    pub delay_seed: Option<u64>,
}

impl Provider {
    /// Whether the provider can take a CoordinatesRecognition task.
    pub fn supports_coordinates(&self) -> bool {
        self.kind != Kind::TextOnly
    }
}

/// Price of a vision task, micro-dollars.
pub const VISION_PRICE: i64 = 200;
/// Price of a human task, micro-dollars.
pub const HUMAN_PRICE: i64 = 1_500;

/// The providers routing chooses among, in a fixed order.
pub fn routable() -> Vec<Provider> {
    vec![
        Provider {
            name: "Vision".to_owned(),
            kind: Kind::Vision,
            price_micros: VISION_PRICE,
            pool: Pool::Platform,
            delay_ms: None,
            delay_sigma: None,
            delay_seed: None,
        },
        Provider {
            name: "Human".to_owned(),
            kind: Kind::Human,
            price_micros: HUMAN_PRICE,
            pool: Pool::Community,
            delay_ms: None,
            delay_sigma: None,
            delay_seed: None,
        },
        Provider {
            name: "TextOnly".to_owned(),
            kind: Kind::TextOnly,
            price_micros: 50,
            pool: Pool::Platform,
            delay_ms: None,
            delay_sigma: None,
            delay_seed: None,
        },
    ]
}

/// Looks up a provider by the name a request forces. Besides the routable
/// names, `Vision:<ms>` is the vision provider answering after `<ms>`
/// milliseconds, `Vision:<ms>~<σ>` after a log-normal delay with median
/// `<ms>` and σ `<σ>` drawn for each task, and `Fault:<scenario>` is a fault scenario (see
/// [`Fault::parse`]).
pub fn by_name(name: &str) -> Option<Provider> {
    if let Some(rest) = name.strip_prefix("Fault:") {
        return Fault::parse(rest).map(|fault| Provider {
            name: name.to_owned(),
            kind: Kind::Fault(fault),
            price_micros: VISION_PRICE,
            pool: Pool::Platform,
            delay_ms: None,
            delay_sigma: None,
            delay_seed: None,
        });
    }
    if let Some(spec) = name.strip_prefix("Vision:") {
        let (ms, spread) = match spec.split_once('~') {
            Some((ms, spread)) => (ms, Some(spread)),
            None => (spec, None),
        };
        let (sigma, seed) = match spread {
            None => (None, None),
            Some(spread) => {
                let (sigma, seed) = match spread.split_once('@') {
                    Some((sigma, seed)) => (sigma, Some(seed.parse::<u64>().ok()?)),
                    None => (spread, None),
                };
                let sigma = sigma
                    .parse::<f64>()
                    .ok()
                    .filter(|s| (0.0..=3.0).contains(s))?;
                (Some(sigma), seed)
            }
        };
        let delay = ms.parse::<u64>().ok()?;
        return Some(Provider {
            name: name.to_owned(),
            delay_ms: Some(delay),
            delay_sigma: sigma,
            delay_seed: seed,
            ..routable().into_iter().next()?
        });
    }
    routable()
        .into_iter()
        .find(|p| p.name.eq_ignore_ascii_case(name))
}

/// What routing has learned of each provider: solve times and outcomes.
#[derive(Debug, Default)]
pub struct Stats {
    by_provider: HashMap<String, ProviderStats>,
}

#[derive(Debug, Default, Clone, Copy)]
struct ProviderStats {
    solved: u64,
    failed: u64,
    total_ms: u64,
}

impl Stats {
    /// Records one finished task.
    pub fn record(&mut self, provider: &str, ok: bool, solve_ms: u64) {
        let s = self.by_provider.entry(base_name(provider)).or_default();
        if ok {
            s.solved += 1;
            s.total_ms += solve_ms;
        } else {
            s.failed += 1;
        }
    }

    /// Mean solve time, with a prior of one task at the provider's nominal speed.
    fn mean_ms(&self, p: &Provider, default_delay_ms: u64) -> f64 {
        let nominal = match p.kind {
            Kind::Human => 15_000.0,
            _ => default_delay_ms as f64,
        };
        let s = self.by_provider.get(&p.name).copied().unwrap_or_default();
        (s.total_ms as f64 + nominal) / (s.solved as f64 + 1.0)
    }

    /// Success rate with a Laplace prior.
    fn success(&self, p: &Provider) -> f64 {
        let s = self.by_provider.get(&p.name).copied().unwrap_or_default();
        (s.solved as f64 + 1.0) / ((s.solved + s.failed) as f64 + 2.0)
    }
}

fn base_name(name: &str) -> String {
    name.split(':').next().unwrap_or(name).to_owned()
}

/// Why routing found no provider.
#[derive(Debug, PartialEq, Eq)]
pub enum RouteError {
    /// No provider that routing may use supports the task.
    NotSupported,
}

/// The selection modes the API accepts.
pub const SELECTION_MODES: [&str; 4] = [
    "autoCheapest",
    "autoFastest",
    "autoMostReliable",
    "priority",
];
/// The key-pool modes the API accepts.
pub const KEY_POOL_MODES: [&str; 2] = ["all", "platformOnly"];

/// Chooses a provider for a CoordinatesRecognition task.
pub fn route(
    mode: &str,
    platform_only: bool,
    priority: &[String],
    stats: &Stats,
    default_delay_ms: u64,
) -> Result<Provider, RouteError> {
    let allowed =
        |p: &Provider| p.supports_coordinates() && (!platform_only || p.pool == Pool::Platform);
    if mode == "priority" {
        return priority
            .iter()
            .filter_map(|n| by_name(n))
            .find(allowed)
            .ok_or(RouteError::NotSupported);
    }
    let candidates = routable().into_iter().filter(allowed);
    let best = match mode {
        "autoFastest" => candidates.min_by(|a, b| {
            stats
                .mean_ms(a, default_delay_ms)
                .total_cmp(&stats.mean_ms(b, default_delay_ms))
        }),
        "autoMostReliable" => {
            candidates.max_by(|a, b| stats.success(a).total_cmp(&stats.success(b)))
        }
        _ => candidates.min_by_key(|p| p.price_micros),
    };
    best.ok_or(RouteError::NotSupported)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vision_delays_by_name() {
        let fixed = by_name("Vision:2500").unwrap();
        assert_eq!((fixed.delay_ms, fixed.delay_sigma), (Some(2500), None));
        let spread = by_name("Vision:4000~0.45").unwrap();
        assert_eq!(
            (spread.delay_ms, spread.delay_sigma),
            (Some(4000), Some(0.45))
        );
        assert_eq!(spread.name, "Vision:4000~0.45");
        assert_eq!(spread.delay_seed, None);
        let seeded = by_name("Vision:4000~0.45@7").unwrap();
        assert_eq!(
            (seeded.delay_ms, seeded.delay_sigma, seeded.delay_seed),
            (Some(4000), Some(0.45), Some(7))
        );
        for bad in [
            "Vision:4000~",
            "Vision:4000~x",
            "Vision:4000~9",
            "Vision:~0.4",
            "Vision:4000~0.45@",
            "Vision:4000~0.45@x",
            "Vision:4000@7",
        ] {
            assert!(by_name(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn routes_by_mode() {
        let mut stats = Stats::default();
        let r = |mode, po, stats: &Stats| route(mode, po, &[], stats, 1000).unwrap().name;
        assert_eq!(r("autoCheapest", false, &stats), "Vision");
        assert_eq!(r("autoFastest", false, &stats), "Vision");
        for _ in 0..5 {
            stats.record("Vision", false, 0);
        }
        stats.record("Human", true, 20_000);
        assert_eq!(r("autoMostReliable", false, &stats), "Human");
        assert_eq!(r("autoMostReliable", true, &stats), "Vision");
        let prio = vec!["TextOnly".to_owned()];
        assert_eq!(
            route("priority", false, &prio, &stats, 1000).unwrap_err(),
            RouteError::NotSupported
        );
        let prio = vec!["TextOnly".to_owned(), "Human".to_owned()];
        assert_eq!(
            route("priority", false, &prio, &stats, 1000).unwrap().name,
            "Human"
        );
    }
}
