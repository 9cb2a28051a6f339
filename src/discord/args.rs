//! Typed slash-command options: each is a string option Discord sends as
//! typed, parsed with the same `FromStr` the console uses. A parse failure
//! reaches the one `on_error` as a `UserError`.

use poise::serenity_prelude as serenity;

use crate::app::input::{Equipment, Evening, Switch, Until, Weekdays, WeeklyDay};
use crate::coach::fit::{BadLength, RoutineLength};
use crate::coach::{LocalTime, Timezone};
use crate::error::UserError;
use crate::text::review::{self, day_name};

macro_rules! string_option {
    ($($ty:ty),* $(,)?) => {$(
        #[poise::async_trait]
        impl poise::SlashArgument for $ty {
            async fn extract(
                _: &serenity::Context,
                _: &serenity::CommandInteraction,
                value: &serenity::ResolvedValue<'_>,
            ) -> Result<Self, poise::SlashArgError> {
                let serenity::ResolvedValue::String(text) = value else {
                    return Err(poise::SlashArgError::new_command_structure_mismatch(
                        "expected a string",
                    ));
                };
                text.parse::<$ty>().map_err(|e| {
                    poise::SlashArgError::new_parse(Box::new(UserError::from(e)), (*text).to_owned())
                })
            }

            fn create(builder: serenity::CreateCommandOption) -> serenity::CreateCommandOption {
                builder.kind(serenity::CommandOptionType::String)
            }
        }
    )*};
}

string_option!(LocalTime, Timezone, Switch, Evening, Until, Weekdays, Equipment);

/// Minutes a day: an integer option offering the lengths there are.
#[poise::async_trait]
impl poise::SlashArgument for RoutineLength {
    async fn extract(
        _: &serenity::Context,
        _: &serenity::CommandInteraction,
        value: &serenity::ResolvedValue<'_>,
    ) -> Result<Self, poise::SlashArgError> {
        let serenity::ResolvedValue::Integer(minutes) = value else {
            return Err(poise::SlashArgError::new_command_structure_mismatch(
                "expected an integer",
            ));
        };
        i16::try_from(*minutes)
            .ok()
            .and_then(RoutineLength::from_minutes)
            .ok_or_else(|| {
                let input = minutes.to_string();
                let e = UserError::from(BadLength {
                    input: input.clone(),
                });
                poise::SlashArgError::new_parse(Box::new(e), input)
            })
    }

    fn create(builder: serenity::CreateCommandOption) -> serenity::CreateCommandOption {
        [RoutineLength::Five, RoutineLength::Ten].into_iter().fold(
            builder.kind(serenity::CommandOptionType::Integer),
            |b, length| b.add_int_choice(length.to_string(), length.minutes() as i32),
        )
    }
}

/// The day of the week in review: a string option offering the seven
/// weekdays and off, parsed as the console parses what people type.
#[poise::async_trait]
impl poise::SlashArgument for WeeklyDay {
    async fn extract(
        _: &serenity::Context,
        _: &serenity::CommandInteraction,
        value: &serenity::ResolvedValue<'_>,
    ) -> Result<Self, poise::SlashArgError> {
        let serenity::ResolvedValue::String(text) = value else {
            return Err(poise::SlashArgError::new_command_structure_mismatch(
                "expected a string",
            ));
        };
        text.parse::<WeeklyDay>()
            .map_err(|e| poise::SlashArgError::new_parse(Box::new(e), (*text).to_owned()))
    }

    fn create(builder: serenity::CreateCommandOption) -> serenity::CreateCommandOption {
        use chrono::Weekday;
        let days = [
            Weekday::Sun,
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
        ];
        let builder = days.into_iter().fold(
            builder.kind(serenity::CommandOptionType::String),
            |b, day| {
                let name = day_name(day);
                b.add_string_choice(name, name.to_lowercase())
            },
        );
        builder.add_string_choice(review::OFF, review::OFF.to_lowercase())
    }
}
