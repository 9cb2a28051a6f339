//! What the timeline worker asks of the Coach: what each claimed row sends
//! (decided by `coach::decide`, once per row) and what follows it.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::{Coach, Notice, StepPrompt};
use crate::coach::decide::{
    decide_daily, decide_prompt, Daily, DailyDecision, DueDaily, PromptDecision, Skip,
};
use crate::coach::plan::DayPlan;
use crate::coach::progress::LogEntry;
use crate::coach::review::{decide_weekly, log_span, DueWeekly, WeeklyDecision};
use crate::error::Result;
use crate::store::timeline::{DueSend, NewSend, SendKind, SessionMove};
use crate::store::weeks::{Span, SpanLog};
use crate::store::{GuidedSession, UserId};

/// What one claimed row does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub row: i64,
    /// What to send, or why nothing is sent.
    pub send: Result<Notice, Skip>,
    /// The send that follows this one, scheduled once it went out (or was skipped).
    pub follow_up: Option<NewSend>,
    /// The guided session moving on as this prompt goes out.
    pub session_move: Option<SessionMove>,
}

impl Planned {
    /// A reminder sent after downtime.
    pub fn late(&self) -> bool {
        matches!(self.send, Ok(Notice::Reminder { late: true, .. }))
    }
}

impl Coach {
    /// Decides what each claimed row sends, reading the day logs and
    /// sessions the whole batch needs in one query each.
    pub async fn plan_sends(&self, rows: &[DueSend], now: DateTime<Utc>) -> Result<Vec<Planned>> {
        let days: Vec<(UserId, NaiveDate)> = rows
            .iter()
            .filter(|r| matches!(r.kind, SendKind::Reminder | SendKind::Followup))
            .map(|r| (r.user, r.local_date))
            .collect();
        let mut logs: HashMap<(UserId, NaiveDate), Vec<LogEntry>> = HashMap::new();
        for (user, entry) in self.store.day_logs(&days).await? {
            logs.entry((user, entry.local_date))
                .or_default()
                .push(entry);
        }
        let session_ids: Vec<i64> = rows
            .iter()
            .filter_map(|r| r.session.map(|(id, _)| id))
            .collect();
        let sessions: HashMap<i64, GuidedSession> = self
            .store
            .sessions_by_id(&session_ids)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        let weeks = self.review_logs(rows).await?;
        Ok(rows
            .iter()
            .map(|row| match (row.kind, row.session) {
                (SendKind::Prompt, Some((id, step))) => {
                    self.plan_prompt(row, sessions.get(&id), step, now)
                }
                (SendKind::Weekly, _) => self.plan_weekly(row, weeks.get(&row.id), now),
                (SendKind::Prompt, None) => Planned {
                    row: row.id,
                    send: Err(Skip::SessionMovedOn),
                    follow_up: None,
                    session_move: None,
                },
                (kind, _) => {
                    let entries = logs
                        .get(&(row.user, row.local_date))
                        .map_or(&[][..], Vec::as_slice);
                    self.plan_daily(row, kind, entries, now)
                }
            })
            .collect())
    }

    fn plan_daily(
        &self,
        row: &DueSend,
        kind: SendKind,
        entries: &[LogEntry],
        now: DateTime<Utc>,
    ) -> Planned {
        let due = DueDaily {
            kind: if kind == SendKind::Reminder {
                Daily::Reminder
            } else {
                Daily::Followup
            },
            local_date: row.local_date,
            due_at: row.due_at,
            snoozes: row.snoozes,
        };
        let (decision, next) = decide_daily(&self.content, &row.settings, &due, entries, now);
        let send = match decision {
            DailyDecision::Skip(why) => Err(why),
            DailyDecision::Send {
                late,
                routine,
                status,
            } => {
                let today = self.today_view(
                    &row.settings,
                    row.local_date,
                    DayPlan::Train(routine),
                    status,
                );
                Ok(match due.kind {
                    Daily::Reminder => Notice::Reminder { today, late },
                    Daily::Followup => Notice::Followup { today },
                })
            }
        };
        Planned {
            row: row.id,
            send,
            follow_up: next.map(|n| NewSend {
                user: row.user,
                kind,
                due_at: n.due_at,
                local_date: n.local_date,
                session: None,
            }),
            session_move: None,
        }
    }

    /// The log and level changes each due review reads, by row, in one query.
    async fn review_logs(&self, rows: &[DueSend]) -> Result<HashMap<i64, SpanLog>> {
        let weekly: Vec<&DueSend> = rows.iter().filter(|r| r.kind == SendKind::Weekly).collect();
        let spans: Vec<Span> = weekly
            .iter()
            .map(|r| {
                let (from, until) = log_span(r.local_date);
                Span {
                    user: r.user,
                    from,
                    until,
                }
            })
            .collect();
        let logs = self.store.span_logs(&spans).await?;
        Ok(weekly.iter().map(|r| r.id).zip(logs).collect())
    }

    fn plan_weekly(&self, row: &DueSend, logs: Option<&SpanLog>, now: DateTime<Utc>) -> Planned {
        let due = DueWeekly {
            local_date: row.local_date,
            due_at: row.due_at,
        };
        let (log, levels) = logs.map_or((&[][..], &[][..]), |l| {
            (l.log.as_slice(), l.level_changes.as_slice())
        });
        let (decision, next) = decide_weekly(&self.content, &row.settings, &due, log, levels, now);
        Planned {
            row: row.id,
            send: match decision {
                WeeklyDecision::Send(review) => Ok(Notice::Weekly(review)),
                WeeklyDecision::Skip(why) => Err(why),
            },
            follow_up: next.map(|n| NewSend {
                user: row.user,
                kind: SendKind::Weekly,
                due_at: n.due_at,
                local_date: n.local_date,
                session: None,
            }),
            session_move: None,
        }
    }

    fn plan_prompt(
        &self,
        row: &DueSend,
        session: Option<&GuidedSession>,
        step: u16,
        now: DateTime<Utc>,
    ) -> Planned {
        let mut planned = Planned {
            row: row.id,
            send: Err(Skip::SessionMovedOn),
            follow_up: None,
            session_move: None,
        };
        let session_id = row.session.map_or(0, |(id, _)| id);
        match decide_prompt(&self.content, session, row.settings.kit(), step, now) {
            PromptDecision::Skip(why) => planned.send = Err(why),
            PromptDecision::Step {
                step: timed, of, ..
            } => {
                planned.session_move = Some(SessionMove {
                    session_id,
                    from_step: step - 1,
                    to_step: step,
                    step_due_at: timed.ends,
                    finished: false,
                });
                planned.follow_up = Some(NewSend {
                    user: row.user,
                    kind: SendKind::Prompt,
                    due_at: timed.ends,
                    local_date: row.local_date,
                    session: Some((session_id, step + 1)),
                });
                planned.send = Ok(Notice::Prompt(StepPrompt::new(
                    &timed.step,
                    of,
                    timed.due,
                    timed.ends,
                )));
            }
            PromptDecision::Over { routine } => {
                planned.session_move = Some(SessionMove {
                    session_id,
                    from_step: step - 1,
                    to_step: step - 1,
                    step_due_at: now,
                    finished: true,
                });
                planned.send = Ok(Notice::SessionOver {
                    routine_name: routine.name.clone(),
                });
            }
        }
        planned
    }
}
