//! The day's routine: what today holds, and starting a guided session.

use chrono::{Datelike, NaiveDate};

use super::timed::step_follow_ups;
use super::{
    Coach, Reply, RoutineCard, SessionView, StepLine, StepPrompt, TodayPlan, TodayView, Visit,
};
use crate::coach::fit::{fit, routine_on};
use crate::coach::plan::{day_plan, DayPlan};
use crate::coach::progress::{DayStatus, LogEntry, LogOutcome};
use crate::coach::progression::level_of;
use crate::coach::session::{timed_steps, StepMessage};
use crate::content::Routine;
use crate::error::Result;
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
        let mut view = self.today_view(visit.settings(), date, plan, status);
        let ids: Vec<&str> = view
            .plan
            .card()
            .steps
            .iter()
            .map(|s| s.exercise_id.as_str())
            .collect();
        view.sheet = self.content.pictures().sheet(&ids);
        Reply::Today(view)
    }

    /// What `date` holds for the person, from its plan and how it has gone.
    pub(crate) fn today_view(
        &self,
        settings: &UserSettings,
        date: NaiveDate,
        plan: DayPlan<'_>,
        status: Option<DayStatus>,
    ) -> TodayView {
        let routine = routine_on(&self.content, settings.length, date);
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
            sheet: None,
        }
    }

    pub(crate) async fn routine_start(&self, visit: &mut Visit) -> Result<Reply> {
        visit.remember().await?;
        let date = visit.today();
        let now = visit.now;
        // On a rest day or a pause, asking to start still gets the day's routine.
        let routine = routine_on(&self.content, visit.settings().length, date);
        let level = level_of(visit.settings().level, routine);
        let kit = visit.settings().kit();
        let steps = timed_steps(&self.content, routine, level, kit, now);
        let fitted = fit(&self.content, routine, level, kit).steps;
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
        let follow_ups = step_follow_ups(session.user, session.local_date, session.id, first);
        self.store
            .reschedule_prompts(session.id, &follow_ups)
            .await?;
        let pain_today = pain_on(&visit.state.log, date);
        Ok(Reply::SessionStarted(SessionView {
            session_id: session.id,
            card: self.card(visit.settings(), date, routine, level),
            schedule: steps
                .iter()
                .map(|t| (StepLine::new(&t.step), t.due))
                .collect(),
            first: StepPrompt::new(&self.content, session.id, &fitted, first),
            ask_pain: visit.settings().ask_pain && !pain_today,
        }))
    }
}

impl Coach {
    /// Remembers where a front end posted a step's prompt, the words above
    /// it and the interaction it answered, so the step's cues can edit it.
    pub async fn step_posted(
        &self,
        prompt: &StepPrompt,
        at: StepMessage,
        text: Option<&str>,
        webhook: Option<&str>,
    ) -> Result<()> {
        let step = u16::try_from(prompt.line.number).unwrap_or(u16::MAX);
        self.store
            .record_step_message(prompt.session_id, step, at, text, webhook)
            .await?;
        Ok(())
    }

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
