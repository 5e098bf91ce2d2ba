//! Deterministic fault scenarios, chosen by forcing `provider` to
//! `Fault:<scenario>`. Each one misbehaves in one documented way, so client
//! tests can assert exactly what a user sees.
//!
//! | provider | what happens |
//! |---|---|
//! | `Fault:http500:N`, `Fault:http503:N` | the first N getTaskResult calls answer that HTTP status with an HTML page, then normal |
//! | `Fault:429:N:S` | the first N getTaskResult calls answer 429 with `Retry-After: S` |
//! | `Fault:internal:N` | the first N getTaskResult calls answer `errorId 2`, `INTERNAL_ERROR` |
//! | `Fault:html` | every getTaskResult answers 200 with an HTML page |
//! | `Fault:truncated` | every getTaskResult answers 200 with cut-off JSON |
//! | `Fault:slow:MS` | every getTaskResult answer is delayed MS milliseconds |
//! | `Fault:never` | the task stays `processing` for ever |
//! | `Fault:failed:CODE` | the task fails with `errorId 1` and CODE |
//! | `Fault:createError:CODE:N` | the account's first N createTasks with this provider answer CODE (`errorId 2` for `INTERNAL_ERROR`, else 1); nothing is created or charged; later ones are solved. Without `:N`, every one |
//! | `Fault:failFirst:CODE:N` | the account's first N tasks with this provider fail with CODE (`errorId 1`, refunded); later ones are solved. Without `:N`, every one |
//! | `Fault:unknownCode` | the task fails with a code no documentation lists |
//! | `Fault:coords:strings`, `:arrays`, `:floats`, `:outOfBounds` | the answer's coordinates come in that shape |
//! | `Fault:drop` | createTask creates (and charges) the task, then closes the connection without an answer |
//! | `Fault:createSlow:MS` | createTask creates (and charges) the task, then answers only after MS milliseconds |
//! | `Fault:createHttp:STATUS` | createTask creates (and charges) the task, then answers HTTP STATUS with a proxy's HTML page |
//! | `Fault:echoKey:create` | createTask refuses with the caller's key inside `errorCode` and `errorDescription` (nothing created) |
//! | `Fault:echoKey:poll` | the task is created; every getTaskResult answers an error with the key inside `errorCode` and `errorDescription` |
//! | `Fault:shift:PX` | a vision provider that is wrong: every point of the answer moved PX pixels right and down |
//! | `Fault:numericId` | the task's id is a number (`12345678901`…), and getTaskResult finds it only when it is sent back as a number |

/// One fault scenario.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// The first `times` polls answer HTTP `status` with an HTML body.
    Http {
        /// 500 or 503.
        status: u16,
        /// How many polls fail.
        times: u32,
    },
    /// The first `times` polls answer 429 with `Retry-After: secs`.
    TooMany {
        /// How many polls fail.
        times: u32,
        /// The Retry-After value, seconds.
        secs: u32,
    },
    /// The first `times` polls answer `errorId 2`.
    Internal(u32),
    /// Every poll answers an HTML page with status 200.
    Html,
    /// Every poll answers truncated JSON.
    Truncated,
    /// Every poll is answered after this many milliseconds.
    Slow(u64),
    /// The task never finishes.
    Never,
    /// The task fails with this code.
    Failed(String),
    /// The account's first `times` createTasks (all, for `None`) answer
    /// `code`, creating nothing.
    CreateError {
        /// The code answered.
        code: String,
        /// How many createTasks are refused.
        times: Option<u32>,
    },
    /// The account's first `times` tasks (all, for `None`) fail with
    /// `code`.
    FailFirst {
        /// The code the tasks fail with.
        code: String,
        /// How many tasks fail.
        times: Option<u32>,
    },
    /// Coordinates in an odd shape.
    OddCoords(OddCoords),
    /// createTask closes the connection after creating the task.
    Drop,
    /// createTask creates the task, then answers this HTTP status.
    CreateHttp(u16),
    /// createTask creates the task, then answers after this many milliseconds.
    CreateSlow(u64),
    /// An error that quotes the caller's key, from createTask (`false`) or
    /// from every getTaskResult (`true`).
    EchoKey {
        /// Whether getTaskResult (not createTask) echoes it.
        at_poll: bool,
    },
    /// The task id is a JSON number.
    NumericId,
    /// Every answered point is moved this many pixels right and down.
    Shift(u32),
}

/// The odd shapes coordinates can take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OddCoords {
    /// `{"x": "12.5", "y": "40"}`.
    Strings,
    /// `[12.5, 40]`.
    Arrays,
    /// Numbers with many decimals.
    Floats,
    /// A point outside the image, after the real ones.
    OutOfBounds,
}

/// The code `Fault:unknownCode` fails with.
pub const UNKNOWN_CODE: &str = "ERROR_SANDBOX_NOVEL_CONDITION";

impl Fault {
    /// Parses the part after `Fault:`.
    pub fn parse(s: &str) -> Option<Fault> {
        let mut parts = s.split(':');
        let name = parts.next()?;
        let mut num = || parts.next().and_then(|p| p.parse::<u32>().ok());
        let fault = match name {
            "http500" => Fault::Http {
                status: 500,
                times: num()?,
            },
            "http503" => Fault::Http {
                status: 503,
                times: num()?,
            },
            "429" => Fault::TooMany {
                times: num()?,
                secs: num()?,
            },
            "internal" => Fault::Internal(num()?),
            "html" => Fault::Html,
            "truncated" => Fault::Truncated,
            "slow" => Fault::Slow(u64::from(num()?)),
            "never" => Fault::Never,
            "failed" => Fault::Failed(parts.next().filter(|c| !c.is_empty())?.to_owned()),
            "unknownCode" => Fault::Failed(UNKNOWN_CODE.to_owned()),
            "createError" | "failFirst" => {
                let code = parts.next().filter(|c| !c.is_empty())?.to_owned();
                let times = match parts.next() {
                    None => None,
                    Some(n) => Some(n.parse::<u32>().ok()?),
                };
                if name == "createError" {
                    Fault::CreateError { code, times }
                } else {
                    Fault::FailFirst { code, times }
                }
            }
            "coords" => Fault::OddCoords(match parts.next()? {
                "strings" => OddCoords::Strings,
                "arrays" => OddCoords::Arrays,
                "floats" => OddCoords::Floats,
                "outOfBounds" => OddCoords::OutOfBounds,
                _ => return None,
            }),
            "drop" => Fault::Drop,
            "createSlow" => Fault::CreateSlow(u64::from(num()?)),
            "createHttp" => Fault::CreateHttp(
                parts
                    .next()
                    .and_then(|p| p.parse::<u16>().ok())
                    .filter(|s| (400..600).contains(s))?,
            ),
            "echoKey" => Fault::EchoKey {
                at_poll: match parts.next()? {
                    "create" => false,
                    "poll" => true,
                    _ => return None,
                },
            },
            "numericId" => Fault::NumericId,
            "shift" => Fault::Shift(num()?),
            _ => return None,
        };
        Some(fault)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_scenarios() {
        assert_eq!(
            Fault::parse("http503:2"),
            Some(Fault::Http {
                status: 503,
                times: 2
            })
        );
        assert_eq!(
            Fault::parse("429:1:2"),
            Some(Fault::TooMany { times: 1, secs: 2 })
        );
        assert_eq!(
            Fault::parse("failed:CAPTCHA_UNSOLVABLE"),
            Some(Fault::Failed("CAPTCHA_UNSOLVABLE".into()))
        );
        assert_eq!(
            Fault::parse("createError:PROVIDER_RATE_LIMITED:2"),
            Some(Fault::CreateError {
                code: "PROVIDER_RATE_LIMITED".into(),
                times: Some(2)
            })
        );
        assert_eq!(
            Fault::parse("failFirst:PROVIDER_GLOBAL_LIMIT_REACHED"),
            Some(Fault::FailFirst {
                code: "PROVIDER_GLOBAL_LIMIT_REACHED".into(),
                times: None
            })
        );
        assert_eq!(Fault::parse("createError:INTERNAL_ERROR:x"), None);
        assert_eq!(Fault::parse("failFirst"), None);
        assert_eq!(Fault::parse("createHttp:502"), Some(Fault::CreateHttp(502)));
        assert_eq!(Fault::parse("createHttp:200"), None);
        assert_eq!(
            Fault::parse("createSlow:3000"),
            Some(Fault::CreateSlow(3000))
        );
        assert_eq!(
            Fault::parse("echoKey:poll"),
            Some(Fault::EchoKey { at_poll: true })
        );
        assert_eq!(Fault::parse("echoKey:later"), None);
        assert_eq!(Fault::parse("numericId"), Some(Fault::NumericId));
        assert_eq!(Fault::parse("shift:40"), Some(Fault::Shift(40)));
        assert_eq!(Fault::parse("shift"), None);
        assert_eq!(Fault::parse("http500"), None);
        assert_eq!(Fault::parse("coords:weird"), None);
        assert_eq!(Fault::parse("nope"), None);
    }
}
