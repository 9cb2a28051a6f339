//! One line of the check's report, and the time one check may take.

use std::fmt;
use std::time::Duration;

/// How long one request may take: a dead server must not hang the check.
pub const TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Fail,
    Skipped,
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub outcome: Outcome,
    pub subject: &'static str,
    pub detail: String,
}

impl Line {
    pub fn ok(subject: &'static str, detail: impl Into<String>) -> Line {
        Line {
            outcome: Outcome::Ok,
            subject,
            detail: detail.into(),
        }
    }

    /// What went wrong, then what to do about it.
    pub fn fail(subject: &'static str, problem: impl fmt::Display, fix: &str) -> Line {
        Line {
            outcome: Outcome::Fail,
            subject,
            detail: format!("{problem}; {fix}"),
        }
    }

    pub fn skipped(subject: &'static str, why: impl Into<String>) -> Line {
        Line {
            outcome: Outcome::Skipped,
            subject,
            detail: why.into(),
        }
    }
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mark = match self.outcome {
            Outcome::Ok => "ok  ",
            Outcome::Fail => "FAIL ",
            Outcome::Skipped => "skip ",
        };
        // One line each, whatever an error message holds.
        let detail = self.detail.replace('\n', " ");
        write!(f, "{mark}{}: {detail}", self.subject)
    }
}
