//! What a batch of weekly reviews reads: each person's log over the weeks
//! before their review and their level changes around it, in one statement
//! for the whole batch.

use chrono::NaiveDate;
use sqlx::types::Json;

use super::logs::LogRow;
use super::state::LevelRow;
use super::{Store, UserId};
use crate::coach::progress::LogEntry;
use crate::coach::progression::LevelRecord;

/// One person's log and level changes for a span of local dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub user: UserId,
    /// First local date read.
    pub from: NaiveDate,
    /// First local date not read.
    pub until: NaiveDate,
}

/// What was read for a [`Span`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpanLog {
    pub span: Span,
    /// Oldest day first, pain reports included.
    pub log: Vec<LogEntry>,
    /// Level changes from a day before `from` to a day after `until` (the
    /// local dates of any timezone), oldest first: the caller keeps those
    /// of its local dates.
    pub level_changes: Vec<LevelRecord>,
}

impl Store {
    /// The log and level changes of each span, in one query.
    pub async fn span_logs(&self, spans: &[Span]) -> Result<Vec<SpanLog>, sqlx::Error> {
        if spans.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query!(
            r#"
            SELECT (SELECT coalesce(json_agg(a ORDER BY a.local_date, a.step, a.logged_at), '[]') FROM (
                        SELECT user_id, local_date, routine_id, step, outcome, pain, source, logged_at
                        FROM activity_log
                        WHERE user_id = k.user_id AND local_date >= k.since AND local_date < k.until) a
                   ) AS "log!: Json<Vec<LogRow>>",
                   (SELECT coalesce(json_agg(l ORDER BY l.at, l.id), '[]') FROM (
                        SELECT id, at, from_level, to_level, reason, pain
                        FROM level_changes
                        WHERE user_id = k.user_id
                          AND at >= (k.since - 1)::timestamp AT TIME ZONE 'UTC'
                          AND at < (k.until + 1)::timestamp AT TIME ZONE 'UTC') l
                   ) AS "levels!: Json<Vec<LevelRow>>"
            FROM unnest($1::bigint[], $2::date[], $3::date[]) WITH ORDINALITY AS k(user_id, since, until, i)
            ORDER BY k.i
            "#,
            &spans.iter().map(|s| s.user.0).collect::<Vec<_>>(),
            &spans.iter().map(|s| s.from).collect::<Vec<_>>(),
            &spans.iter().map(|s| s.until).collect::<Vec<_>>(),
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .zip(spans)
            .map(|(row, span)| {
                let log = row
                    .log
                    .0
                    .into_iter()
                    .map(LogEntry::try_from)
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(SpanLog {
                    span: span.clone(),
                    log,
                    level_changes: row.levels.0.into_iter().map(LevelRow::record).collect(),
                })
            })
            .collect()
    }
}
