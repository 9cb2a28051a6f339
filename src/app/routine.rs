//! The day's routine: what today holds, and starting a guided session.

use chrono::{Datelike, NaiveDate};

use super::{
    Coach, Reply, RoutineCard, SessionView, StepLine, StepPrompt, TodayPlan, TodayView, Visit,
};
use crate::coach::fit::routine_on;
use crate::coach::plan::{day_plan, DayPlan};
use crate::coach::progress::{DayStatus, LogEntry, LogOutcome};
use crate::coach::progression::level_of;
use crate::coach::session::timed_steps;
use crate::content::Routine;
use crate::error::Result;
use crate::store::timeline::{NewSend, SendKind};
use crate::store::UserSettings;

impl Coach {
    pub(crate) fn routine_today(&self, visit: &Visit) -> Reply {
        let date = visit.today();
        let plan = day_plan(
            &self.content,
            visit.settings().rest_days,
            visit.settings().pause,
            date,
        );
        let status = self
            .calendar(visit.settings())
            .day_status(&visit.state.log, date);
        Reply::Today(self.today_view(visit.settings(), date, plan, status))
    }

    /// What `date` holds for the person, from its plan and how it has gone.
    pub(crate) fn today_view(
        &self,
        settings: &UserSettings,
        date: NaiveDate,
        plan: DayPlan<'_>,
        status: Option<DayStatus>,
    ) -> TodayView {
        let routine = routine_on(&self.content, settings, date);
        let card = self.card(settings, date, routine, level_of(settings.level, routine));
        let plan = match plan {
            DayPlan::Train(_) => TodayPlan::Train(card),
            DayPlan::Rest => TodayPlan::Rest { routine: card },
            DayPlan::Paused { until } => TodayPlan::Paused {
                until,
                routine: card,
            },
        };
        TodayView {
            date,
            timezone: settings.timezone_or_utc(),
            timezone_set: settings.timezone.is_some(),
            plan,
            status,
        }
    }

    pub(crate) async fn routine_start(&self, visit: &mut Visit) -> Result<Reply> {
        visit.remember().await?;
        let date = visit.today();
        let now = visit.now;
        // On a rest day or a pause, asking to start still gets the day's routine.
        let routine = routine_on(&self.content, visit.settings(), date);
        let level = level_of(visit.settings().level, routine);
        let steps = timed_steps(&self.content, routine, level, visit.settings().kit(), now);
        let Some(first) = steps.first() else {
            // Content validation refuses a routine without steps.
            return Ok(Reply::Today(self.today_view(
                visit.settings(),
                date,
                DayPlan::Train(routine),
                None,
            )));
        };
        let session = self
            .store
            .start_session(visit.user(), date, &routine.id, level, first.ends, now)
            .await?;
        let next = NewSend {
            user: session.user,
            kind: SendKind::Prompt,
            due_at: first.ends,
            local_date: session.local_date,
            session: Some((session.id, 2)),
        };
        self.store
            .reschedule_prompts(session.id, Some(&next))
            .await?;
        let of = steps.len() as u32;
        let pain_today = pain_on(&visit.state.log, date);
        Ok(Reply::SessionStarted(SessionView {
            session_id: session.id,
            card: self.card(visit.settings(), date, routine, level),
            schedule: steps
                .iter()
                .map(|t| (StepLine::new(&t.step), t.due))
                .collect(),
            first: StepPrompt::new(&first.step, of, first.due, first.ends),
            ask_pain: visit.settings().ask_pain && !pain_today,
        }))
    }
}

impl Coach {
    /// `routine` as the person does it, saying what their settings changed.
    fn card(
        &self,
        settings: &UserSettings,
        date: NaiveDate,
        routine: &Routine,
        level: u8,
    ) -> RoutineCard {
        let planned = self.content.planned_routine(date.weekday());
        RoutineCard {
            shortened: (planned.id != routine.id)
                .then(|| settings.length.map(|l| (planned.name.clone(), l)))
                .flatten(),
            ..RoutineCard::fitted(&self.content, routine, level, settings.kit())
        }
    }
}

/// Whether pain was reported on `date`.
fn pain_on(log: &[LogEntry], date: NaiveDate) -> bool {
    log.iter()
        .any(|e| e.local_date == date && matches!(e.outcome, LogOutcome::Pain(_)))
}
