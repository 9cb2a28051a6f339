//! What the timeline worker asks of the Coach: what each claimed row sends
//! (decided by `coach::decide`, once per row) and what follows it.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::views::CueNotice;
use super::{Coach, Notice, StepPrompt};
use crate::coach::cues::cues;
use crate::coach::decide::{
    decide_cue, decide_daily, decide_prompt, CueDecision, Daily, DailyDecision, DueDaily,
    PromptDecision, Skip,
};
use crate::coach::fit::fit;
use crate::coach::plan::DayPlan;
use crate::coach::progress::LogEntry;
use crate::coach::review::{decide_weekly, log_span, DueWeekly, WeeklyDecision};
use crate::coach::session::{summarise, SessionSummary, TimedStep};
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
    /// The sends that follow this one, scheduled once it went out (or was skipped).
    pub follow_ups: Vec<NewSend>,
    /// The guided session moving on as this prompt goes out.
    pub session_move: Option<SessionMove>,
}

impl Planned {
    /// A reminder sent after downtime.
    pub fn late(&self) -> bool {
        matches!(self.send, Ok(Notice::Reminder { late: true, .. }))
    }
}

/// What follows the prompt of `timed` in session `session_id`: the next
/// step's prompt when its time is up, and this step's cues.
pub(crate) fn step_follow_ups(
    user: UserId,
    local_date: NaiveDate,
    session_id: i64,
    timed: &TimedStep<'_>,
) -> Vec<NewSend> {
    let number = timed.step.number as u16;
    let send = |due_at, step, cue| NewSend {
        user,
        kind: SendKind::Prompt,
        due_at,
        local_date,
        session: Some((session_id, step)),
        cue,
    };
    std::iter::once(send(timed.ends, number + 1, 0))
        .chain(cues(&timed.step.dose).into_iter().map(|c| {
            send(
                timed.due + Duration::seconds(c.after_seconds.into()),
                number,
                c.number,
            )
        }))
        .collect()
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
        let mut planned: Vec<Planned> = rows
            .iter()
            .map(|row| match (row.kind, row.session) {
                (SendKind::Prompt, Some((id, step))) if row.cue > 0 => {
                    self.plan_cue(row, sessions.get(&id), step)
                }
                (SendKind::Prompt, Some((id, step))) => {
                    self.plan_prompt(row, sessions.get(&id), step, now)
                }
                (SendKind::Weekly, _) => self.plan_weekly(row, weeks.get(&row.id), now),
                (SendKind::Prompt, None) => Planned {
                    row: row.id,
                    send: Err(Skip::SessionMovedOn),
                    follow_ups: Vec::new(),
                    session_move: None,
                },
                (kind, _) => {
                    let entries = logs
                        .get(&(row.user, row.local_date))
                        .map_or(&[][..], Vec::as_slice);
                    self.plan_daily(row, kind, entries, now)
                }
            })
            .collect();
        self.summarise_sessions(rows, &sessions, &mut planned)
            .await?;
        Ok(planned)
    }

    /// Fills in how each session that ends in this batch went, reading the
    /// logs of their people in one query (sessions end rarely).
    async fn summarise_sessions(
        &self,
        rows: &[DueSend],
        sessions: &HashMap<i64, GuidedSession>,
        planned: &mut [Planned],
    ) -> Result<()> {
        let ending = |p: &Planned| matches!(p.send, Ok(Notice::SessionOver { .. }));
        let users: Vec<UserId> = rows
            .iter()
            .zip(planned.iter())
            .filter(|(_, p)| ending(p))
            .map(|(r, _)| r.user)
            .collect();
        if users.is_empty() {
            return Ok(());
        }
        let mut logs: HashMap<UserId, Vec<LogEntry>> = HashMap::new();
        for (user, entry) in self.store.logs_of(&users).await? {
            logs.entry(user).or_default().push(entry);
        }
        for (row, plan) in rows.iter().zip(planned.iter_mut()) {
            let Ok(Notice::SessionOver { summary, .. }) = &mut plan.send else {
                continue;
            };
            let session = row.session.and_then(|(id, _)| sessions.get(&id));
            let routine = session.and_then(|s| self.content.routine(&s.routine_id));
            let (Some(session), Some(routine)) = (session, routine) else {
                continue;
            };
            let log = logs.get(&row.user).map_or(&[][..], Vec::as_slice);
            let level = routine.level_or_standard(session.level);
            let steps = fit(&self.content, routine, level, row.settings.kit()).steps;
            *summary = SessionSummary {
                streak: Some(
                    self.calendar(&row.settings)
                        .progress(log, session.local_date)
                        .current_streak,
                ),
                ..summarise(&steps, &routine.id, session.local_date, log)
            };
        }
        Ok(())
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
            follow_ups: next
                .map(|n| NewSend::daily(row.user, kind, n.due_at, n.local_date))
                .into_iter()
                .collect(),
            session_move: None,
        }
    }

    fn plan_cue(&self, row: &DueSend, session: Option<&GuidedSession>, step: u16) -> Planned {
        let send = match decide_cue(&self.content, session, row.settings.kit(), step, row.cue) {
            CueDecision::Skip(why) => Err(why),
            CueDecision::Cue { step, cue, at } => Ok(Notice::Cue(CueNotice {
                at,
                lead: session.and_then(|s| s.step_message_text.clone()),
                webhook: session.and_then(|s| s.step_message_webhook.clone()),
                step_name: step.exercise.name.clone(),
                set: cue.set,
                sets: cue.sets,
                other_side: cue.other_side,
                per_side: cue.per_side,
            })),
        };
        Planned {
            row: row.id,
            send,
            follow_ups: Vec::new(),
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
            follow_ups: next
                .map(|n| NewSend::daily(row.user, SendKind::Weekly, n.due_at, n.local_date))
                .into_iter()
                .collect(),
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
            follow_ups: Vec::new(),
            session_move: None,
        };
        let session_id = row.session.map_or(0, |(id, _)| id);
        match decide_prompt(&self.content, session, row.settings.kit(), step, now) {
            PromptDecision::Skip(why) => planned.send = Err(why),
            PromptDecision::Step {
                step: timed, steps, ..
            } => {
                planned.session_move = Some(SessionMove {
                    session_id,
                    from_step: step - 1,
                    to_step: step,
                    step_due_at: timed.ends,
                    finished: false,
                    posted: None,
                });
                planned.follow_ups = step_follow_ups(row.user, row.local_date, session_id, &timed);
                planned.send = Ok(Notice::Prompt(StepPrompt::new(
                    &self.content,
                    session_id,
                    &steps,
                    &timed,
                )));
            }
            PromptDecision::Over { routine } => {
                planned.session_move = Some(SessionMove {
                    session_id,
                    from_step: step - 1,
                    to_step: step - 1,
                    step_due_at: now,
                    finished: true,
                    posted: None,
                });
                planned.send = Ok(Notice::SessionOver {
                    routine_name: routine.name.clone(),
                    // Filled in for the batch by `summarise_sessions`.
                    summary: SessionSummary::default(),
                });
            }
        }
        planned
    }
}
