//! The log of what a user did: done, skipped, pain reported.

use chrono::{DateTime, NaiveDate, Utc};

use super::{Store, UserId};
use crate::coach::progress::{LogEntry, LogOutcome};
use crate::coach::PainLevel;

fn outcome_column(outcome: LogOutcome) -> &'static str {
    match outcome {
        LogOutcome::Done => "done",
        LogOutcome::Skip => "skip",
        LogOutcome::Pain(_) => "pain",
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLogEntry<'a> {
    pub user: UserId,
    pub local_date: NaiveDate,
    pub routine_id: &'a str,
    /// 0 is the whole routine.
    pub step: u16,
    pub outcome: LogOutcome,
    pub source: &'a str,
    pub at: DateTime<Utc>,
}

/// What logging did to the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogWrite {
    Inserted,
    /// The step already had an entry that day, with another outcome.
    Changed,
    /// The same thing was already logged: nothing changed.
    Unchanged,
}

/// The activity_log columns behind a [`LogEntry`], and whose it is, as
/// every query reading them spells them out.
#[derive(Debug, serde::Deserialize)]
pub(super) struct LogRow {
    user_id: i64,
    local_date: NaiveDate,
    routine_id: String,
    step: i16,
    outcome: String,
    pain: Option<i16>,
    source: String,
    logged_at: DateTime<Utc>,
}

impl TryFrom<LogRow> for LogEntry {
    type Error = sqlx::Error;

    fn try_from(row: LogRow) -> Result<Self, sqlx::Error> {
        let outcome = match (row.outcome.as_str(), row.pain) {
            ("done", _) => LogOutcome::Done,
            ("skip", _) => LogOutcome::Skip,
            ("pain", Some(p)) => LogOutcome::Pain(
                PainLevel::new(p.clamp(0, 10) as u8)
                    .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
            ),
            (other, _) => {
                return Err(sqlx::Error::Decode(
                    format!("unknown outcome {other:?} in activity_log").into(),
                ))
            }
        };
        Ok(LogEntry {
            local_date: row.local_date,
            routine_id: row.routine_id,
            step: row.step.max(0) as u16,
            outcome,
            source: row.source,
            at: row.logged_at,
        })
    }
}

impl LogRow {
    fn with_user(self) -> Result<(UserId, LogEntry), sqlx::Error> {
        let user = UserId(self.user_id);
        Ok((user, self.try_into()?))
    }
}

impl Store {
    /// Logs an entry once per user, local day, step and kind (progress or pain).
    pub async fn log(&self, entry: &NewLogEntry<'_>) -> Result<LogWrite, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        log_on(&mut conn, entry).await
    }

    /// Every entry of the user, oldest day first.
    pub async fn history(&self, user: UserId) -> Result<Vec<LogEntry>, sqlx::Error> {
        self.entries(user, None).await
    }

    /// The user's entries from `since` on, oldest day first.
    pub async fn history_since(
        &self,
        user: UserId,
        since: NaiveDate,
    ) -> Result<Vec<LogEntry>, sqlx::Error> {
        self.entries(user, Some(since)).await
    }

    async fn entries(
        &self,
        user: UserId,
        since: Option<NaiveDate>,
    ) -> Result<Vec<LogEntry>, sqlx::Error> {
        let rows = sqlx::query_as!(
            LogRow,
            "SELECT user_id, local_date, routine_id, step, outcome, pain, source, logged_at
             FROM activity_log WHERE user_id = $1 AND ($2::date IS NULL OR local_date >= $2)
             ORDER BY local_date, step, logged_at",
            user.0,
            since,
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(LogEntry::try_from).collect()
    }

    /// Every entry of each of `users`, each user's oldest day first: one
    /// query for a whole streak board.
    pub async fn histories(
        &self,
        users: &[UserId],
    ) -> Result<Vec<(UserId, LogEntry)>, sqlx::Error> {
        let ids: Vec<i64> = users.iter().map(|u| u.0).collect();
        let rows = sqlx::query_as!(
            LogRow,
            "SELECT user_id, local_date, routine_id, step, outcome, pain, source, logged_at
             FROM activity_log WHERE user_id = ANY($1)
             ORDER BY user_id, local_date, step, logged_at",
            &ids,
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(LogRow::with_user).collect()
    }

    /// The user's entries for one local day.
    pub async fn day_log(
        &self,
        user: UserId,
        date: NaiveDate,
    ) -> Result<Vec<LogEntry>, sqlx::Error> {
        let rows = sqlx::query_as!(
            LogRow,
            "SELECT user_id, local_date, routine_id, step, outcome, pain, source, logged_at
             FROM activity_log WHERE user_id = $1 AND local_date = $2
             ORDER BY step, logged_at",
            user.0,
            date,
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(LogEntry::try_from).collect()
    }
}

impl Store {
    /// The entries of many (user, local date) pairs in one query, for a batch of sends.
    pub async fn day_logs(
        &self,
        days: &[(UserId, NaiveDate)],
    ) -> Result<Vec<(UserId, LogEntry)>, sqlx::Error> {
        if days.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query_as!(
            LogRow,
            "SELECT a.user_id, a.local_date, a.routine_id, a.step, a.outcome, a.pain, a.source, a.logged_at
             FROM activity_log a
             JOIN unnest($1::bigint[], $2::date[]) AS k(user_id, local_date)
               ON a.user_id = k.user_id AND a.local_date = k.local_date
             WHERE a.outcome <> 'pain'",
            &days.iter().map(|(u, _)| u.0).collect::<Vec<_>>(),
            &days.iter().map(|(_, d)| *d).collect::<Vec<_>>(),
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(LogRow::with_user).collect()
    }

    /// The whole log of each of `users`, pain reports included, in order.
    pub async fn logs_of(&self, users: &[UserId]) -> Result<Vec<(UserId, LogEntry)>, sqlx::Error> {
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query_as!(
            LogRow,
            "SELECT a.user_id, a.local_date, a.routine_id, a.step, a.outcome, a.pain, a.source, a.logged_at
             FROM activity_log a
             WHERE a.user_id = ANY($1)
             ORDER BY a.user_id, a.local_date, a.step, a.logged_at",
            &users.iter().map(|u| u.0).collect::<Vec<_>>(),
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(LogRow::with_user).collect()
    }
}

/// Logs an entry on `conn`, as part of a larger write.
pub(crate) async fn log_on(
    conn: &mut sqlx::PgConnection,
    entry: &NewLogEntry<'_>,
) -> Result<LogWrite, sqlx::Error> {
    let pain = match entry.outcome {
        LogOutcome::Pain(p) => Some(p.get() as i16),
        _ => None,
    };
    let inserted = sqlx::query_scalar!(
        r#"INSERT INTO activity_log (user_id, local_date, routine_id, step, outcome, pain, source, logged_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (user_id, local_date, step, (outcome = 'pain')) DO UPDATE
            SET outcome = EXCLUDED.outcome, pain = EXCLUDED.pain,
                source = EXCLUDED.source, logged_at = EXCLUDED.logged_at
            WHERE activity_log.outcome IS DISTINCT FROM EXCLUDED.outcome
               OR activity_log.pain IS DISTINCT FROM EXCLUDED.pain
         RETURNING (xmax = 0) AS "inserted!""#,
        entry.user.0,
        entry.local_date,
        entry.routine_id,
        (entry.step as i16),
        outcome_column(entry.outcome),
        pain,
        entry.source,
        entry.at,
    )
    .fetch_optional(conn)
    .await?;
    Ok(match inserted {
        Some(true) => LogWrite::Inserted,
        Some(false) => LogWrite::Changed,
        None => LogWrite::Unchanged,
    })
}
