//! The request budget shared by every Discord sender on this database.

use std::time::Duration;

use super::Store;

impl Store {
    /// Claims the next `span` of the shared schedule (a sender's next few
    /// requests, spaced by the budget's interval) and returns how long until
    /// that span starts. Both instants come from the database's clock, so
    /// senders on machines whose clocks disagree still share one schedule.
    pub async fn claim_discord_budget(&self, span: Duration) -> Result<Duration, sqlx::Error> {
        let wait = sqlx::query_scalar!(
            r#"INSERT INTO discord_budget AS b (id, next_at) VALUES (TRUE, now() + make_interval(secs => $1))
               ON CONFLICT (id) DO UPDATE SET next_at = GREATEST(b.next_at, now()) + make_interval(secs => $1)
               RETURNING EXTRACT(EPOCH FROM b.next_at - now())::float8 - $1 AS "wait!""#,
            span.as_secs_f64(),
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(Duration::from_secs_f64(wait.clamp(0.0, 3600.0)))
    }
}
