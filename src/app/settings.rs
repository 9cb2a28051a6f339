//! Settings a person changes now and then: rest days, the pain question,
//! and an easier level.

use super::{Coach, Reply, Visit};
use crate::coach::fit::{routine_on, Kit, RoutineLength};
use crate::coach::plan::RestDays;
use crate::coach::progression::{level_down, LevelReason};
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

    /// One level easier for today's routine, because the person asked.
    pub(crate) async fn level_down(&self, visit: &mut Visit) -> Result<Reply> {
        let today = visit.today();
        let routine = routine_on(&self.content, visit.settings(), today);
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
