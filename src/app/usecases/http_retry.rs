//! The one HTTP retry policy for every endpoint (token, device code, managed identity, Graph):
//! which replies are retried, how long to wait (`Retry-After`, capped, or a short backoff), and
//! never past the deadline; and the one place a `--timeout` becomes that deadline. All time arithmetic is checked: a huge `Retry-After` or deadline
//! cannot overflow.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::ports::idp::{HttpReply, TransportError};

/// How one kind of endpoint is retried.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts per call, the first one included.
    pub max_attempts: u32,
    /// Waits between attempts when the server gave no `Retry-After` (the last one repeats).
    pub backoff: &'static [Duration],
    /// The wait after a 429 without `Retry-After`.
    pub throttle_wait: Duration,
    /// The longest `Retry-After` honoured.
    pub max_wait: Duration,
    /// Statuses worth another attempt.
    pub retry_status: fn(u16) -> bool,
    /// Whether a request that got no reply at all is retried (managed identity: no, an
    /// unreachable endpoint means "not on Azure" and must fail fast).
    pub retry_unreachable: bool,
}

fn throttled_or_server_error(status: u16) -> bool {
    status == 429 || (500..=599).contains(&status)
}

fn managed_identity_transient(status: u16) -> bool {
    matches!(status, 404 | 408 | 410 | 429) || (500..=599).contains(&status)
}

impl RetryPolicy {
    /// Entra's token and device-code endpoints (MSAL's rules): 429 and 5xx.
    pub const IDENTITY_PROVIDER: Self = Self {
        max_attempts: 3,
        backoff: &[Duration::from_millis(500), Duration::from_secs(1)],
        throttle_wait: Duration::from_secs(5),
        max_wait: Duration::from_secs(3600),
        retry_status: throttled_or_server_error,
        retry_unreachable: true,
    };

    /// Managed identity endpoints: also 404/408/410 (IMDS while it updates), never a missing
    /// endpoint.
    pub const MANAGED_IDENTITY: Self = Self {
        max_attempts: 3,
        backoff: &[Duration::from_secs(1), Duration::from_secs(2)],
        throttle_wait: Duration::from_secs(5),
        max_wait: Duration::from_secs(3600),
        retry_status: managed_identity_transient,
        retry_unreachable: false,
    };

    /// A CI's token service (GitHub Actions, Azure Pipelines): 429 and 5xx, as Entra.
    pub const CI_TOKEN_SERVICE: Self = Self::IDENTITY_PROVIDER;

    /// Microsoft Graph pages.
    pub const GRAPH: Self = Self::IDENTITY_PROVIDER;

    fn backoff(&self, attempt: u32) -> Duration {
        let index = usize::try_from(attempt.saturating_sub(1)).unwrap_or(usize::MAX);
        self.backoff
            .get(index)
            .or_else(|| self.backoff.last())
            .copied()
            .unwrap_or(Duration::from_secs(1))
    }
}

/// The last result of a call with retries.
#[derive(Debug)]
pub enum Attempted {
    /// A reply, whatever its status (the last one when retries ran out).
    Reply {
        reply: HttpReply,
        attempts: u32,
        /// Set when another attempt was not made because its wait would end past the deadline.
        skipped_wait: Option<Duration>,
    },
    /// No attempt got a reply.
    Unreachable {
        cause: String,
        skipped_wait: Option<Duration>,
    },
    /// The HTTP client could not be set up; never retried.
    Setup(String),
    /// The reply's body was over the request's limit; never retried (the server would send it
    /// again).
    TooLarge { limit: usize },
}

/// Told before each wait, for progress lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryNotice {
    /// The status that is being retried; `None` when the request got no reply.
    pub status: Option<u16>,
    pub wait: Duration,
    /// The attempt about to be made (2 for the first retry).
    pub next_attempt: u32,
    pub max_attempts: u32,
}

impl RetryNotice {
    /// The progress line for the person waiting: `{who} answered HTTP 503; retrying in 0.5 s
    /// (attempt 2 of 3)`.
    #[must_use]
    pub fn progress_line(&self, who: &str) -> String {
        let what = self.status.map_or_else(
            || "could not be reached".to_owned(),
            |status| format!("answered HTTP {status}"),
        );
        format!(
            "{who} {what}; retrying in {:.1} s (attempt {} of {})",
            self.wait.as_secs_f32(),
            self.next_attempt,
            self.max_attempts
        )
    }
}

/// The longest time limit honoured; larger values mean "no practical limit".
pub const MAX_TIMEOUT: Duration = Duration::from_secs(366 * 24 * 3600);

/// The deadline a command's `--timeout` sets when it starts at `start`: the one place a time
/// limit becomes a deadline (capped at [`MAX_TIMEOUT`]).
#[must_use]
pub fn deadline_for(start: Instant, timeout: Duration) -> Instant {
    checked_deadline(start, timeout.min(MAX_TIMEOUT)).unwrap_or(start)
}

/// `Instant + wait`, or `None` when it would not fit (treated as "after any deadline").
#[must_use]
pub fn checked_deadline(start: Instant, wait: Duration) -> Option<Instant> {
    start.checked_add(wait)
}

/// Sends with `send` until a reply is final, the attempts run out, or the next wait would end
/// after `deadline`.
pub async fn send_with_retries<F, Fut>(
    policy: &RetryPolicy,
    deadline: Instant,
    mut send: F,
    mut on_retry: impl FnMut(&RetryNotice),
) -> Attempted
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<HttpReply, TransportError>>,
{
    let mut attempt: u32 = 1;
    loop {
        let result = send().await;
        let (status, wait) = match &result {
            Ok(reply) if (policy.retry_status)(reply.status) => {
                let wait = reply.retry_after.unwrap_or_else(|| {
                    if reply.status == 429 {
                        policy.throttle_wait
                    } else {
                        policy.backoff(attempt)
                    }
                });
                (Some(reply.status), wait)
            }
            Ok(_) => return finish(result, attempt, None),
            Err(TransportError::Setup(reason)) => return Attempted::Setup(reason.clone()),
            Err(TransportError::TooLarge { limit }) => {
                return Attempted::TooLarge { limit: *limit };
            }
            Err(TransportError::Unreachable(_)) if !policy.retry_unreachable => {
                return finish(result, attempt, None);
            }
            Err(TransportError::Unreachable(_)) => (None, policy.backoff(attempt)),
        };
        let wait = wait.min(policy.max_wait);
        if attempt >= policy.max_attempts {
            return finish(result, attempt, None);
        }
        let past_deadline =
            checked_deadline(Instant::now(), wait).is_none_or(|resume| resume >= deadline);
        if past_deadline {
            return finish(result, attempt, Some(wait));
        }
        attempt += 1;
        on_retry(&RetryNotice {
            status,
            wait,
            next_attempt: attempt,
            max_attempts: policy.max_attempts,
        });
        tokio::time::sleep(wait).await;
    }
}

fn finish(
    result: Result<HttpReply, TransportError>,
    attempts: u32,
    skipped_wait: Option<Duration>,
) -> Attempted {
    match result {
        Ok(reply) => Attempted::Reply {
            reply,
            attempts,
            skipped_wait,
        },
        Err(TransportError::Unreachable(cause)) => Attempted::Unreachable {
            cause,
            skipped_wait,
        },
        Err(TransportError::Setup(reason)) => Attempted::Setup(reason),
        Err(TransportError::TooLarge { limit }) => Attempted::TooLarge { limit },
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::Duration;

    use tokio::time::Instant;

    use super::{Attempted, RetryPolicy, send_with_retries};
    use crate::ports::idp::{HttpReply, TransportError};

    fn reply(status: u16, retry_after: Option<Duration>) -> HttpReply {
        HttpReply {
            status,
            retry_after,
            request_id: None,
            redirect_host: None,
            body: Vec::new(),
        }
    }

    async fn run(
        policy: RetryPolicy,
        deadline: Duration,
        replies: Vec<Result<HttpReply, TransportError>>,
    ) -> (Attempted, u32, Duration) {
        let calls = AtomicU32::new(0);
        let start = Instant::now();
        let replies = std::sync::Mutex::new(replies.into_iter());
        let outcome = send_with_retries(
            &policy,
            start + deadline,
            || {
                calls.fetch_add(1, Ordering::SeqCst);
                let next = replies.lock().unwrap().next().expect("a scripted reply");
                async move { next }
            },
            |_| {},
        )
        .await;
        (outcome, calls.load(Ordering::SeqCst), start.elapsed())
    }

    #[tokio::test(start_paused = true)]
    async fn honours_retry_after_then_succeeds() {
        let (outcome, calls, waited) = run(
            RetryPolicy::IDENTITY_PROVIDER,
            Duration::from_secs(60),
            vec![
                Ok(reply(429, Some(Duration::from_secs(7)))),
                Ok(reply(200, None)),
            ],
        )
        .await;
        assert!(
            matches!(outcome, Attempted::Reply { reply, attempts: 2, .. } if reply.status == 200)
        );
        assert_eq!(calls, 2);
        assert!(waited >= Duration::from_secs(7));
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_after_the_attempts_with_the_last_reply() {
        let (outcome, calls, _) = run(
            RetryPolicy::IDENTITY_PROVIDER,
            Duration::from_secs(60),
            vec![
                Ok(reply(503, None)),
                Ok(reply(502, None)),
                Ok(reply(500, None)),
            ],
        )
        .await;
        assert!(
            matches!(outcome, Attempted::Reply { reply, attempts: 3, .. } if reply.status == 500)
        );
        assert_eq!(calls, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_huge_retry_after_is_capped_and_never_overflows() {
        let (outcome, calls, waited) = run(
            RetryPolicy::IDENTITY_PROVIDER,
            Duration::from_secs(30),
            vec![Ok(reply(429, Some(Duration::from_secs(u64::MAX))))],
        )
        .await;
        assert!(matches!(
            outcome,
            Attempted::Reply { skipped_wait: Some(wait), .. } if wait == Duration::from_secs(3600)
        ));
        assert_eq!(calls, 1);
        assert_eq!(
            waited,
            Duration::ZERO,
            "no wait that would end past the deadline"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_deadline_at_the_end_of_time_does_not_overflow() {
        let policy = RetryPolicy::IDENTITY_PROVIDER;
        let far = Instant::now()
            .checked_add(Duration::from_secs(u64::MAX / 4))
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(86_400 * 365 * 30));
        let outcome = send_with_retries(
            &policy,
            far,
            || async { Ok(reply(429, Some(Duration::from_secs(u64::MAX)))) },
            |_| {},
        )
        .await;
        assert!(matches!(outcome, Attempted::Reply { attempts: 3, .. }));
    }

    #[tokio::test(start_paused = true)]
    async fn connection_failures_are_retried_for_the_idp_but_not_managed_identity() {
        let unreachable = || Err(TransportError::Unreachable("connection refused".into()));
        let (outcome, calls, _) = run(
            RetryPolicy::IDENTITY_PROVIDER,
            Duration::from_secs(60),
            vec![unreachable(), unreachable(), unreachable()],
        )
        .await;
        assert!(matches!(outcome, Attempted::Unreachable { .. }));
        assert_eq!(calls, 3);
        let (outcome, calls, _) = run(
            RetryPolicy::MANAGED_IDENTITY,
            Duration::from_secs(60),
            vec![unreachable()],
        )
        .await;
        assert!(matches!(outcome, Attempted::Unreachable { .. }));
        assert_eq!(
            calls, 1,
            "an unreachable managed identity endpoint fails fast"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn managed_identity_retries_404_and_410_but_the_idp_does_not() {
        let (outcome, calls, _) = run(
            RetryPolicy::MANAGED_IDENTITY,
            Duration::from_secs(60),
            vec![
                Ok(reply(404, None)),
                Ok(reply(410, None)),
                Ok(reply(200, None)),
            ],
        )
        .await;
        assert!(matches!(outcome, Attempted::Reply { reply, .. } if reply.status == 200));
        assert_eq!(calls, 3);
        let (outcome, calls, _) = run(
            RetryPolicy::IDENTITY_PROVIDER,
            Duration::from_secs(60),
            vec![Ok(reply(404, None))],
        )
        .await;
        assert!(matches!(outcome, Attempted::Reply { reply, .. } if reply.status == 404));
        assert_eq!(calls, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn setup_failures_are_not_retried() {
        let (outcome, calls, _) = run(
            RetryPolicy::GRAPH,
            Duration::from_secs(60),
            vec![Err(TransportError::Setup("bad TLS config".into()))],
        )
        .await;
        assert!(matches!(outcome, Attempted::Setup(reason) if reason == "bad TLS config"));
        assert_eq!(calls, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn an_oversized_reply_and_a_redirect_are_not_retried() {
        let (outcome, calls, _) = run(
            RetryPolicy::IDENTITY_PROVIDER,
            Duration::from_secs(60),
            vec![Err(TransportError::TooLarge { limit: 1024 })],
        )
        .await;
        assert!(matches!(outcome, Attempted::TooLarge { limit: 1024 }));
        assert_eq!(calls, 1);
        let (outcome, calls, _) = run(
            RetryPolicy::MANAGED_IDENTITY,
            Duration::from_secs(60),
            vec![Ok(reply(307, None))],
        )
        .await;
        assert!(matches!(outcome, Attempted::Reply { reply, .. } if reply.status == 307));
        assert_eq!(calls, 1);
    }
}
