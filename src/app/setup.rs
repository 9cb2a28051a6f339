//! The first-run setup: four short questions, each saved the moment it is
//! answered and each skippable, all changeable later with `/settings` and
//! `/remind set`. Each answer is an ordinary command; the front ends ask the
//! questions their own way (Discord with lists and forms, the console with
//! plain questions).

use crate::coach::LocalTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetupStep {
    Timezone,
    ReminderTime,
    Length,
    Equipment,
}

impl SetupStep {
    pub const ALL: [SetupStep; 4] = [
        SetupStep::Timezone,
        SetupStep::ReminderTime,
        SetupStep::Length,
        SetupStep::Equipment,
    ];

    /// 1 to 4.
    pub fn number(self) -> usize {
        SetupStep::ALL.iter().position(|s| *s == self).unwrap_or(0) + 1
    }

    pub fn next(self) -> Option<SetupStep> {
        SetupStep::ALL.get(self.number()).copied()
    }
}

const fn at(hour: u32, minute: u32) -> LocalTime {
    match LocalTime::new(hour, minute) {
        Some(t) => t,
        None => panic!("not a time of day"),
    }
}

/// Reminder times offered in a list; any other one is typed.
pub const COMMON_TIMES: [LocalTime; 12] = [
    at(6, 0),
    at(6, 30),
    at(7, 0),
    at(7, 30),
    at(8, 0),
    at(8, 30),
    at(9, 0),
    at(12, 0),
    at(17, 0),
    at(18, 0),
    at(19, 0),
    at(20, 0),
];

/// Zones a list offers at most (Discord's lists hold 25).
pub const ZONES_OFFERED: usize = 25;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_steps_come_in_order_and_end() {
        let mut step = Some(SetupStep::Timezone);
        let mut seen = Vec::new();
        while let Some(s) = step {
            seen.push(s.number());
            step = s.next();
        }
        assert_eq!(seen, [1, 2, 3, 4]);
    }
}
