//! Small facts the bot remembers between starts.

use super::Store;

impl Store {
    pub async fn bot_state(&self, key: &str) -> Result<Option<String>, sqlx::Error> {
        sqlx::query_scalar!("SELECT value FROM bot_state WHERE key = $1", key)
            .fetch_optional(&self.pool)
            .await
    }

    pub async fn set_bot_state(&self, key: &str, value: &str) -> Result<(), sqlx::Error> {
        sqlx::query!(
            "INSERT INTO bot_state (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()",
            key,
            value,
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
