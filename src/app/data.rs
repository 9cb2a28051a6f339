//! A person's own data: `/mydata export` (everything stored about them, as
//! JSON) and `/mydata delete`.
//!
//! Layout, version 1 (new fields may be added; a renamed or removed field
//! raises `version`):
//!
//! ```text
//! { "format": "footcoach-export", "version": 1, "exported_at": RFC 3339,
//!   "user": { "id", "timezone", "reminder_time", "followup_time",
//!             "rest_days": ["Sat", ...], "pause": {"from", "until"} | null,
//!             "dm_channel_id", "level" (null: standard), "ask_pain",
//!             "last_server_channel_id", "dms_refused",
//!             "routine_minutes" (null: not chosen, each routine as planned),
//!             "equipment": ["tennis ball", ...] | null (null: never asked, all assumed),
//!             "weekly_review_day": "Sun" | ... | null (null: off) },
//!   "level_changes": [ { "at", "from", "to", "reason" } ],
//!   "log": [ { "local_date", "routine", "step" (0 = whole routine),
//!              "outcome": "done" | "skip" | "pain", "pain", "source", "logged_at" } ],
//!   "sessions": [ { "id", "local_date", "routine", "current_step", "state", "started_at" } ],
//!   "timeline": [ { "kind", "due_at", "local_date", "state" } ],
//!   "boards": [ { "guild_id", "joined_at" } ] }
//! ```

use serde_json::{json, Value};

use super::{Coach, Reply, Visit};
use crate::coach::progress::LogOutcome;
use crate::coach::WEEK;
use crate::error::Result;
use crate::store::SessionState;

pub const EXPORT_VERSION: u32 = 1;

impl Coach {
    pub(crate) async fn export(&self, visit: &mut Visit) -> Result<Reply> {
        visit.remember().await?;
        let store = &self.store;
        let user = visit.user();
        let settings = visit.settings();
        let log: Vec<Value> = visit
            .state
            .log
            .iter()
            .map(|e| {
                let (outcome, pain) = match e.outcome {
                    LogOutcome::Done => ("done", None),
                    LogOutcome::Skip => ("skip", None),
                    LogOutcome::Pain(p) => ("pain", Some(p.get())),
                };
                json!({
                    "local_date": e.local_date, "routine": e.routine_id, "step": e.step,
                    "outcome": outcome, "pain": pain, "source": e.source, "logged_at": e.at,
                })
            })
            .collect();
        let sessions: Vec<Value> = store
            .sessions(user)
            .await?
            .into_iter()
            .map(|s| {
                let state = match s.state {
                    SessionState::Active => "active",
                    SessionState::Finished => "finished",
                    SessionState::Stopped => "stopped",
                };
                json!({
                    "id": s.id, "local_date": s.local_date, "routine": s.routine_id,
                    "current_step": s.current_step, "state": state, "started_at": s.started_at,
                })
            })
            .collect();
        let timeline: Vec<Value> = store
            .timeline_of(user)
            .await?
            .into_iter()
            .map(|(kind, due_at, local_date, state)| {
                json!({ "kind": kind.as_str(), "due_at": due_at, "local_date": local_date, "state": state })
            })
            .collect();
        let level_changes: Vec<Value> = visit
            .state
            .level_changes
            .iter()
            .map(|c| json!({ "at": c.at, "from": c.from, "to": c.to, "reason": c.reason.to_string() }))
            .collect();
        let boards: Vec<Value> = store
            .boards_of(user)
            .await?
            .into_iter()
            .map(|(guild, at)| json!({ "guild_id": guild.to_string(), "joined_at": at }))
            .collect();
        let rest_days: Vec<String> = WEEK
            .iter()
            .filter(|d| settings.rest_days.contains(**d))
            .map(|d| d.to_string())
            .collect();
        Ok(Reply::Export(json!({
            "format": "footcoach-export",
            "version": EXPORT_VERSION,
            "exported_at": visit.now,
            "user": {
                "id": user.0.to_string(),
                "timezone": settings.timezone.map(|t| t.name()),
                "reminder_time": settings.remind_at.map(|t| t.to_string()),
                "followup_time": settings.followup_at.map(|t| t.to_string()),
                "rest_days": rest_days,
                "pause": settings.pause.map(|p| json!({"from": p.from, "until": p.until})),
                "dm_channel_id": settings.dm_channel_id.map(|c| c.to_string()),
                "level": settings.level,
                "ask_pain": settings.ask_pain,
                "last_server_channel_id": settings.last_channel_id.map(|c| c.to_string()),
                "dms_refused": settings.dm_blocked,
                "routine_minutes": settings.length.map(|l| l.minutes()),
                "equipment": settings.equipment.map(|kit| {
                    kit.items().into_iter().map(|g| g.name()).collect::<Vec<_>>()
                }),
                // Written as rest_days writes its weekdays.
                "weekly_review_day": settings.weekly_day.map(|d| d.to_string()),
            },
            "level_changes": level_changes,
            "log": log,
            "sessions": sessions,
            "timeline": timeline,
            "boards": boards,
        })))
    }

    pub(crate) async fn delete(&self, visit: &mut Visit) -> Result<Reply> {
        visit.remember().await?;
        Ok(Reply::Deleted {
            anything: self.store.delete_user(visit.user()).await?,
        })
    }
}
