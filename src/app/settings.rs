//! Settings a person changes now and then: rest days, the pain question,
//! the week in review, and an easier level.

use chrono::Weekday;

use super::{Coach, Reply, Visit};
use crate::coach::fit::{routine_on, Kit, RoutineLength};
use crate::coach::plan::RestDays;
use crate::coach::progression::{level_down, LevelReason};
use crate::coach::review::next_review;
use crate::error::{Result, UserError};

impl Coach {
    pub(crate) async fn rest_days(&self, visit: &mut Visit, days: RestDays) -> Result<Reply> {
        visit.remember().await?;
        self.store.set_rest_days(visit.user(), days).await?;
        Ok(Reply::RestDaysSet(days))
    }

    pub(crate) async fn routine_length(
        &self,
        visit: &mut Visit,
        length: RoutineLength,
    ) -> Result<Reply> {
        visit.remember().await?;
        self.store.set_routine_length(visit.user(), length).await?;
        Ok(Reply::RoutineLengthSet(length))
    }

    pub(crate) async fn equipment(&self, visit: &mut Visit, kit: Kit) -> Result<Reply> {
        visit.remember().await?;
        self.store.set_equipment(visit.user(), kit).await?;
        Ok(Reply::EquipmentSet(kit))
    }

    pub(crate) async fn pain_prompt(&self, visit: &mut Visit, ask: bool) -> Result<Reply> {
        visit.remember().await?;
        self.store.set_ask_pain(visit.user(), ask).await?;
        Ok(Reply::PainPromptSet(ask))
    }

    /// The weekday of the week in review, or off; the pending review moves with it.
    pub(crate) async fn weekly(&self, visit: &mut Visit, day: Option<Weekday>) -> Result<Reply> {
        visit.remember().await?;
        self.store.set_weekly_day(visit.user(), day).await?;
        visit.state.settings.weekly_day = day;
        self.schedule_weekly(visit.settings(), visit.now).await?;
        let settings = visit.settings();
        Ok(Reply::WeeklySet {
            day,
            reminder: settings.remind_at,
            next: next_review(settings, visit.now).map(|n| n.due_at),
        })
    }

    /// One level easier for today's routine, because the person asked.
    pub(crate) async fn level_down(&self, visit: &mut Visit) -> Result<Reply> {
        let today = visit.today();
        let routine = routine_on(&self.content, visit.settings().length, today);
        let change = level_down(
            routine,
            visit.settings().level,
            LevelReason::Asked,
            &visit.state.level_changes,
            visit.settings().timezone_or_utc(),
            today,
        )
        .ok_or(UserError::EasiestLevel)?;
        let mut changes = visit.changes();
        changes.level = Some(change.record(visit.now));
        visit.apply(&changes).await?;
        Ok(Reply::LevelChanged(change))
    }
}
