//! Replies: "done", "skip", "pain N", "stop" and "snooze", typed or pressed,
//! for the whole day or for the step of a guided session.

use super::timed::step_follow_ups;
use super::{Coach, Logged, Reply, StepPrompt, Visit};
use crate::coach::fit::{fit, routine_on};
use crate::coach::progress::{record, LogEntry, LogOutcome};
use crate::coach::progression::{level_down, level_up, pain_verdict, LevelReason};
use crate::coach::reply::{Intent, Snooze};
use crate::coach::schedule::resolve_local;
use crate::coach::session::{step_at, summarise, GuidedSession, SessionState, SessionSummary};
use crate::coach::LocalTime;
use crate::coach::PainLevel;
use crate::error::Result;
use crate::store::{LogWrite, NewLogEntry, SessionWrite};

/// Today's reminder can be snoozed this many times.
pub const MAX_SNOOZES: u16 = 3;
/// "This evening" for someone without an evening nudge.
pub const EVENING: LocalTime = match LocalTime::new(19, 0) {
    Some(t) => t,
    None => panic!("19:00 is a time"),
};

impl Coach {
    pub(crate) async fn reply(&self, visit: &mut Visit, intent: Intent) -> Result<Reply> {
        let today = visit.today();
        // A session left running from an earlier day is over.
        let session = match visit.state.session.take() {
            Some(s) if s.local_date != today => {
                self.stop_session(visit, &s).await?;
                None
            }
            other => other,
        };
        match intent {
            Intent::Done => self.log_done(visit, session, LogOutcome::Done).await,
            Intent::Skip => self.log_done(visit, session, LogOutcome::Skip).await,
            Intent::Pain(level) => self.pain(visit, session, level).await,
            Intent::Stop => self.stop(visit, session).await,
            Intent::Snooze(choice) => self.snooze(visit, choice).await,
            Intent::NotUnderstood => Ok(Reply::NotUnderstood),
        }
    }

    /// Logs a done or skip: for the session's step when one runs, else for the day.
    async fn log_done(
        &self,
        visit: &mut Visit,
        session: Option<GuidedSession>,
        outcome: LogOutcome,
    ) -> Result<Reply> {
        match session {
            Some(s) => self.log_step(visit, s, outcome).await,
            None => self.log_day(visit, outcome).await,
        }
    }

    fn new_entry<'a>(
        &self,
        visit: &Visit,
        routine_id: &'a str,
        step: u16,
        outcome: LogOutcome,
    ) -> NewLogEntry<'a> {
        NewLogEntry {
            user: visit.user(),
            local_date: visit.today(),
            routine_id,
            step,
            outcome,
            source: visit.source.as_str(),
            at: visit.now,
        }
    }

    async fn log_day(&self, visit: &mut Visit, outcome: LogOutcome) -> Result<Reply> {
        let today = visit.today();
        let routine = routine_on(&self.content, visit.settings().length, today);
        let entry = self.new_entry(visit, &routine.id, 0, outcome);
        // The log as it will be, so the streak and level need no second read.
        let changed = record(&mut visit.state.log, stored(&entry));
        let calendar = self.calendar(visit.settings());
        let level_change = if outcome == LogOutcome::Done && changed.is_some() {
            level_up(
                &calendar,
                routine,
                visit.settings().level,
                &visit.state.log,
                visit.state.level_changes.last().map(|c| c.at),
            )
        } else {
            None
        };
        let streak = calendar.progress(&visit.state.log, today).current_streak;
        let mut changes = visit.changes();
        changes.log = Some(entry);
        changes.level = level_change.map(|c| c.record(visit.now));
        let applied = visit.apply(&changes).await?;
        Ok(Reply::Logged {
            what: Logged::Day {
                routine_name: routine.name.clone(),
            },
            outcome,
            write: applied.log.unwrap_or(LogWrite::Unchanged),
            next: None,
            session: None,
            current_streak: Some(streak),
            level_change,
        })
    }

    async fn log_step(
        &self,
        visit: &mut Visit,
        session: GuidedSession,
        outcome: LogOutcome,
    ) -> Result<Reply> {
        let Some(routine) = self.content.routine(&session.routine_id) else {
            // The content changed under a running session: end it rather than guess.
            self.stop_session(visit, &session).await?;
            return self.log_day(visit, outcome).await;
        };
        let now = visit.now;
        let number = session.current_step;
        let level = routine.level_or_standard(session.level);
        let kit = visit.settings().kit();
        let fitted = fit(&self.content, routine, level, kit).steps;
        let of = fitted.len() as u32;
        let name = step_at(&self.content, routine, level, kit, number, now)
            .map_or_else(String::new, |t| t.step.exercise.name.clone());
        let entry = NewLogEntry {
            local_date: session.local_date,
            ..self.new_entry(visit, &routine.id, number, outcome)
        };
        record(&mut visit.state.log, stored(&entry));
        let next = step_at(&self.content, routine, level, kit, number + 1, now);
        let mut changes = visit.changes();
        changes.log = Some(entry);
        changes.session = Some(match &next {
            Some(t) => SessionWrite::Advance {
                id: session.id,
                from: number,
                to: number + 1,
                step_due_at: t.ends,
                sends: step_follow_ups(session.user, session.local_date, session.id, t),
            },
            None => SessionWrite::End {
                id: session.id,
                state: SessionState::Finished,
                at: now,
            },
        });
        let finishes = next.is_none();
        let calendar = self.calendar(visit.settings());
        let level_change = if finishes {
            level_up(
                &calendar,
                routine,
                visit.settings().level,
                &visit.state.log,
                visit.state.level_changes.last().map(|c| c.at),
            )
        } else {
            None
        };
        changes.level = level_change.map(|c| c.record(now));
        let applied = visit.apply(&changes).await?;
        // Another reply may have ended the session first: only the one that did reports it.
        let finished = finishes && applied.session_moved;
        let streak = finished.then(|| {
            calendar
                .progress(&visit.state.log, session.local_date)
                .current_streak
        });
        Ok(Reply::Logged {
            what: Logged::Step {
                number: u32::from(number),
                of,
                name,
            },
            outcome,
            write: applied.log.unwrap_or(LogWrite::Unchanged),
            next: next.map(|t| StepPrompt::new(&self.content, session.id, &fitted, &t)),
            session: streak.map(|days| SessionSummary {
                streak: Some(days),
                ..summarise(&fitted, &routine.id, session.local_date, &visit.state.log)
            }),
            current_streak: streak,
            level_change: level_change.filter(|_| finished),
        })
    }

    async fn pain(
        &self,
        visit: &mut Visit,
        session: Option<GuidedSession>,
        level: PainLevel,
    ) -> Result<Reply> {
        let today = visit.today();
        let planned = routine_on(&self.content, visit.settings().length, today);
        let (routine_id, step) = match &session {
            Some(s) => (s.routine_id.as_str(), s.current_step),
            None => (planned.id.as_str(), 0),
        };
        let entry = self.new_entry(visit, routine_id, step, LogOutcome::Pain(level));
        record(&mut visit.state.log, stored(&entry));
        let verdict = pain_verdict(&visit.state.log, level, today);
        let level_change = if verdict.gentler {
            level_down(
                planned,
                visit.settings().level,
                LevelReason::Pain(level),
                &visit.state.level_changes,
                visit.settings().timezone_or_utc(),
                today,
            )
        } else {
            None
        };
        let mut changes = visit.changes();
        changes.log = Some(entry);
        changes.level = level_change.map(|c| c.record(visit.now));
        visit.apply(&changes).await?;
        Ok(Reply::Pain {
            level,
            advice: verdict.advice,
            level_change,
        })
    }

    /// Stops a session and cancels its pending prompts.
    async fn stop_session(&self, visit: &mut Visit, session: &GuidedSession) -> Result<()> {
        let mut changes = visit.changes();
        changes.session = Some(SessionWrite::End {
            id: session.id,
            state: SessionState::Stopped,
            at: visit.now,
        });
        visit.apply(&changes).await?;
        Ok(())
    }

    async fn stop(&self, visit: &mut Visit, session: Option<GuidedSession>) -> Result<Reply> {
        let Some(s) = session else {
            return Ok(Reply::NothingToStop);
        };
        self.stop_session(visit, &s).await?;
        let kit = visit.settings().kit();
        let of = self.content.routine(&s.routine_id).map_or(0, |r| {
            let level = r.level_or_standard(s.level);
            fit(&self.content, r, level, kit).steps.len() as u32
        });
        Ok(Reply::SessionStopped {
            at_step: u32::from(s.current_step),
            of,
        })
    }

    async fn snooze(&self, visit: &mut Visit, choice: Snooze) -> Result<Reply> {
        if visit.settings().remind_at.is_none() {
            return Ok(Reply::NothingToSnooze);
        }
        let today = visit.today();
        let until = match choice {
            Snooze::Minutes(m) => visit.now + chrono::Duration::minutes(i64::from(m)),
            Snooze::Evening => {
                let at = visit.settings().followup_at.unwrap_or(EVENING);
                let evening = resolve_local(visit.settings().timezone_or_utc(), today, at);
                if evening <= visit.now {
                    return Ok(Reply::EveningPassed { at });
                }
                evening
            }
        };
        visit.remember().await?;
        let user = visit.user();
        // Snoozed to the evening, the reminder stands in for the evening nudge.
        let instead_of_nudge = choice == Snooze::Evening;
        match self
            .store
            .snooze_reminder(user, today, until, MAX_SNOOZES, instead_of_nudge)
            .await?
        {
            Some(count) => Ok(Reply::Snoozed { until, count }),
            None if self.store.reminder_snoozes(user, today).await? >= Some(MAX_SNOOZES) => {
                Ok(Reply::SnoozeLimit)
            }
            None => Ok(Reply::NothingToSnooze),
        }
    }
}

/// A new entry as the log will hold it.
fn stored(entry: &NewLogEntry<'_>) -> LogEntry {
    LogEntry {
        local_date: entry.local_date,
        routine_id: entry.routine_id.to_owned(),
        step: entry.step,
        outcome: entry.outcome,
        source: entry.source.to_owned(),
        at: entry.at,
    }
}
