//! What a person's short reply during a session means.
//!
//! Replies are matched as whole phrases after normalising case, surrounding
//! whitespace, punctuation and emoji decoration, so "Done! ✅" is done but
//! "not done", "didn't do it" and "done?" are not understood (the coach then
//! asks again rather than guessing).

use super::types::PainLevel;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    Done,
    Skip,
    Pain(PainLevel),
    Snooze(Snooze),
    Stop,
    NotUnderstood,
}

impl Intent {
    /// What kind of reply it is, as the metrics count it.
    pub fn kind(self) -> &'static str {
        match self {
            Intent::Done => "done",
            Intent::Skip => "skip",
            Intent::Pain(_) => "pain",
            Intent::Snooze(_) => "snooze",
            Intent::Stop => "stop",
            Intent::NotUnderstood => "not_understood",
        }
    }
}

/// How long to put today's reminder off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Snooze {
    Minutes(u16),
    /// Until the person's evening nudge time (19:00 without one).
    Evening,
}

impl Snooze {
    /// "snooze", "later": the usual half hour.
    pub const DEFAULT: Snooze = Snooze::Minutes(30);
    /// The choices offered with a reminder.
    pub const CHOICES: [Snooze; 4] = [
        Snooze::Minutes(10),
        Snooze::Minutes(30),
        Snooze::Minutes(60),
        Snooze::Evening,
    ];
}

/// The longest snooze by minutes a person can type: half a day.
const MAX_SNOOZE_MINUTES: u32 = 12 * 60;

/// Put off until the evening.
const EVENING_PHRASES: &[&str] = &[
    "this evening",
    "tonight",
    "later tonight",
    "in the evening",
    "snooze this evening",
    "snooze until this evening",
    "snooze till this evening",
    "snooze until tonight",
    "snooze till tonight",
    "snooze until evening",
    "remind me this evening",
    "remind me tonight",
    "remind me in the evening",
];

/// Replies longer than this (after trimming) are never commands.
const MAX_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    /// ASCII digits, possibly with one decimal point ("7", "7.5").
    Number(String),
    /// A sign that changes what a number means: '/', '-', '+'.
    Sign(char),
    /// ✅ ✔ ☑ ✓ 👍 👌
    DoneMark,
    /// ❌ ✖ ✗ ✘ 👎 and friends: never read a reply with these as a command.
    NoMark,
}

const DONE_PHRASES: &[&str] = &[
    "done",
    "all done",
    "done it",
    "done done",
    "did it",
    "i did it",
    "i did",
    "i've done it",
    "ive done it",
    "i'm done",
    "im done",
    "finished",
    "all finished",
    "finished it",
    "i finished",
    "i'm finished",
    "im finished",
    "complete",
    "completed",
    "all complete",
    "i completed it",
    "routine done",
];

const SKIP_PHRASES: &[&str] = &[
    "skip",
    "skipped",
    "skipping",
    "skip it",
    "skip today",
    "skip this one",
    "not today",
    "pass",
    "i'll pass",
    "ill pass",
    "rest day",
];

const SNOOZE_PHRASES: &[&str] = &[
    "snooze",
    "later",
    "remind me later",
    "not now",
    "in a bit",
    "in a while",
];

const STOP_PHRASES: &[&str] = &[
    "stop",
    "stop session",
    "stop the session",
    "end",
    "end session",
    "end the session",
    "quit",
    "exit",
];

/// Words that may come before a reply without changing it ("ok done").
const LEADING_FILLER: &[&str] = &[
    "ok", "okay", "k", "yes", "yep", "yeah", "yup", "ya", "just", "finally",
];

/// Words that may come after a reply without changing it ("done thanks").
/// Longer phrases first, so "for today" goes before "today" can.
const TRAILING_FILLER: &[&[&str]] = &[
    &["thank", "you"],
    &["for", "today"],
    &["for", "now"],
    &["thanks"],
    &["thx"],
    &["ty"],
    &["please"],
    &["pls"],
    &["plz"],
    &["now"],
    &["today"],
];

const SNOOZE_UNITS: &[&str] = &[
    "m", "min", "mins", "minute", "minutes", "h", "hr", "hrs", "hour", "hours",
];

/// What a reply means. Case, surrounding whitespace, punctuation and emoji
/// decoration are ignored; a question is never a command; anything unclear,
/// or longer than a short message, is [`Intent::NotUnderstood`].
pub fn parse_reply(text: &str) -> Intent {
    let text = text.trim();
    // Bounded work: look at no more than MAX_CHARS + 1 characters.
    if text.chars().nth(MAX_CHARS).is_some() || text.contains('?') {
        return Intent::NotUnderstood;
    }
    let tokens = tokenize(&text.to_lowercase());
    if tokens.contains(&Token::NoMark) {
        return Intent::NotUnderstood;
    }
    let marked_done = tokens.contains(&Token::DoneMark);
    let rest: Vec<Token> = tokens
        .into_iter()
        .filter(|t| *t != Token::DoneMark)
        .collect();
    if rest.is_empty() {
        return if marked_done {
            Intent::Done
        } else {
            Intent::NotUnderstood
        };
    }
    let intent = match pain(&rest) {
        Some(level) => Intent::Pain(level),
        None => phrase_intent(&rest),
    };
    match intent {
        // A done mark next to anything but "done" is a contradiction.
        Intent::Done => Intent::Done,
        _ if marked_done => Intent::NotUnderstood,
        other => other,
    }
}

fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            let mut number = String::from(c);
            while let Some(&next) = chars.peek() {
                if next.is_ascii_digit() || next == '.' {
                    number.push(next);
                    chars.next();
                } else {
                    break;
                }
            }
            // A trailing full stop ends the sentence, not the number.
            let number = number.trim_end_matches('.');
            tokens.push(Token::Number(number.to_owned()));
        } else if c.is_alphanumeric() {
            let mut word = String::from(c);
            while let Some(&next) = chars.peek() {
                if next.is_alphanumeric() && !next.is_ascii_digit() {
                    word.push(next);
                    chars.next();
                } else if is_apostrophe(next) {
                    // Keep "didn't" whole; a closing quote is decoration.
                    chars.next();
                    match chars.peek() {
                        Some(&after) if after.is_alphabetic() => word.push('\''),
                        _ => break,
                    }
                } else {
                    break;
                }
            }
            tokens.push(Token::Word(word));
        } else if matches!(c, '/' | '-' | '+' | '−') {
            tokens.push(Token::Sign(if c == '−' { '-' } else { c }));
        } else if matches!(c, '✅' | '✔' | '☑' | '✓' | '👍' | '👌') {
            tokens.push(Token::DoneMark);
        } else if matches!(c, '❌' | '❎' | '✖' | '✗' | '✘' | '👎' | '🚫' | '⛔') {
            tokens.push(Token::NoMark);
        }
        // Everything else (spaces, punctuation, other emoji, variation
        // selectors, skin tones, joiners) is decoration.
    }
    tokens
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | 'ʼ')
}

/// "pain 7", "pain: 7/10", "pain 7 / 10", "pain=3", "pain level 4",
/// "pain is 2 out of 10", "7/10 pain". Whole integers 0 to 10 only.
fn pain(tokens: &[Token]) -> Option<PainLevel> {
    let word = |t: &Token, w: &str| matches!(t, Token::Word(x) if x == w);
    let (number, rest) = match tokens {
        [first, rest @ ..] if word(first, "pain") => {
            let mut rest = rest;
            while let [t, tail @ ..] = rest {
                if word(t, "level")
                    || word(t, "lvl")
                    || word(t, "is")
                    || word(t, "of")
                    || word(t, "at")
                {
                    rest = tail;
                } else {
                    break;
                }
            }
            match rest {
                [Token::Number(n), tail @ ..] => (n, out_of_ten(tail)?),
                _ => return None,
            }
        }
        [Token::Number(n), tail @ ..] => match tail.split_last() {
            // "7/10 pain" but not "7 pain": the scale must be said.
            Some((last, middle)) if word(last, "pain") && !middle.is_empty() => {
                (n, out_of_ten(middle)?)
            }
            _ => return None,
        },
        _ => return None,
    };
    if !rest.is_empty() {
        return None;
    }
    let level: u8 = number.parse().ok()?;
    PainLevel::new(level).ok()
}

/// Strips an optional "/10" or "out of 10" from the front of `tokens`.
fn out_of_ten(tokens: &[Token]) -> Option<&[Token]> {
    let ten = |t: &Token| matches!(t, Token::Number(n) if n.trim_start_matches('0') == "10");
    match tokens {
        [Token::Sign('/'), t, rest @ ..] if ten(t) => Some(rest),
        [Token::Sign('/'), ..] => None,
        [Token::Word(a), Token::Word(b), t, rest @ ..] if a == "out" && b == "of" && ten(t) => {
            Some(rest)
        }
        _ => Some(tokens),
    }
}

fn phrase_intent(tokens: &[Token]) -> Intent {
    let mut words: Vec<&str> = Vec::with_capacity(tokens.len());
    let mut number = None;
    for t in tokens {
        match t {
            Token::Word(w) => words.push(w),
            // Numbers only make sense in "snooze 30" / "remind me in 30 minutes".
            Token::Number(n) => {
                if number.is_some() || n.contains('.') {
                    return Intent::NotUnderstood;
                }
                number = Some(n.as_str());
                words.push("#");
            }
            Token::Sign(_) => return Intent::NotUnderstood,
            Token::DoneMark | Token::NoMark => {}
        }
    }
    let mut slice: &[&str] = &words;
    loop {
        if let Some(intent) = exact(slice, number) {
            return intent;
        }
        if let Some((first, rest)) = slice.split_first() {
            if !rest.is_empty() && LEADING_FILLER.contains(first) {
                slice = rest;
                continue;
            }
        }
        if let Some(filler) = TRAILING_FILLER
            .iter()
            .find(|f| slice.len() > f.len() && slice.ends_with(f))
        {
            slice = &slice[..slice.len() - filler.len()];
            continue;
        }
        return Intent::NotUnderstood;
    }
}

fn exact(words: &[&str], number: Option<&str>) -> Option<Intent> {
    let is = |phrases: &[&str]| {
        phrases
            .iter()
            .any(|p| p.split(' ').eq(words.iter().copied()))
    };
    if words.contains(&"#") {
        return snooze_for(words, number?).map(|m| Intent::Snooze(Snooze::Minutes(m)));
    }
    if is(DONE_PHRASES) {
        Some(Intent::Done)
    } else if is(SKIP_PHRASES) {
        Some(Intent::Skip)
    } else if is(EVENING_PHRASES) {
        Some(Intent::Snooze(Snooze::Evening))
    } else if is(SNOOZE_PHRASES) {
        Some(Intent::Snooze(Snooze::DEFAULT))
    } else if is(STOP_PHRASES) {
        Some(Intent::Stop)
    } else {
        None
    }
}

/// "snooze 30", "snooze for 30 min", "remind me in 2 hours", "30 more
/// minutes": the minutes, from one minute to half a day.
fn snooze_for(words: &[&str], number: &str) -> Option<u16> {
    let after_number = match words {
        ["snooze", "#", rest @ ..]
        | ["snooze", "for", "#", rest @ ..]
        | ["remind", "me", "in", "#", rest @ ..] => rest,
        ["#", unit] | ["#", "more", unit] => std::slice::from_ref(unit),
        _ => return None,
    };
    let unit = match after_number {
        [] if words[0] == "snooze" => "min",
        [unit] if SNOOZE_UNITS.contains(unit) => unit,
        _ => return None,
    };
    let per_unit = if unit.starts_with('h') { 60 } else { 1 };
    let minutes = number.parse::<u32>().ok()?.checked_mul(per_unit)?;
    (1..=MAX_SNOOZE_MINUTES)
        .contains(&minutes)
        .then(|| u16::try_from(minutes).ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pain_of(level: u8) -> Intent {
        Intent::Pain(PainLevel::new(level).unwrap())
    }

    #[test]
    fn examples() {
        use Intent::*;
        let table: &[(&str, Intent)] = &[
            // Done
            ("done", Done),
            ("Done!", Done),
            ("DONE", Done),
            ("done ✅", Done),
            ("✅", Done),
            ("✔️", Done),
            ("☑️", Done),
            ("👍", Done),
            ("👍🏽", Done),
            ("✅✅✅", Done),
            ("did it", Done),
            ("i did it", Done),
            ("I did it!!", Done),
            ("finished", Done),
            ("Finished.", Done),
            ("complete", Done),
            ("completed", Done),
            ("all done", Done),
            ("All done! 🎉", Done),
            ("yes done", Done),
            ("yes, done", Done),
            ("ok done thanks", Done),
            ("done, thank you", Done),
            ("done for today", Done),
            ("I'm done", Done),
            ("I’m done", Done),
            ("\"done\"", Done),
            ("**done**", Done),
            ("  \n done \t ", Done),
            // Not done
            ("not done", NotUnderstood),
            ("didn't do it", NotUnderstood),
            ("didn’t do it", NotUnderstood),
            ("did not do it", NotUnderstood),
            ("haven't done it", NotUnderstood),
            ("done?", NotUnderstood),
            ("am I done?", NotUnderstood),
            ("✅?", NotUnderstood),
            ("done ❌", NotUnderstood),
            ("❌", NotUnderstood),
            ("👎", NotUnderstood),
            ("no", NotUnderstood),
            ("yes", NotUnderstood),
            ("undone", NotUnderstood),
            ("done with this app", NotUnderstood),
            ("done 2", NotUnderstood),
            ("skip ✅", NotUnderstood),
            // Skip
            ("skip", Skip),
            ("Skip.", Skip),
            ("skipped", Skip),
            ("skip today", Skip),
            ("not today", Skip),
            ("Not today 😴", Skip),
            ("pass", Skip),
            ("ok skip for today", Skip),
            // Pain
            ("pain 7", pain_of(7)),
            ("pain: 7/10", pain_of(7)),
            ("pain 7 / 10", pain_of(7)),
            ("pain=3", pain_of(3)),
            ("Pain 10", pain_of(10)),
            ("pain 0", pain_of(0)),
            ("PAIN: 02", pain_of(2)),
            ("pain level 4", pain_of(4)),
            ("pain is 2 out of 10", pain_of(2)),
            ("pain 5.", pain_of(5)),
            ("7/10 pain", pain_of(7)),
            ("pain7", pain_of(7)),
            ("pain 11", NotUnderstood),
            ("pain 100", NotUnderstood),
            ("pain 99999999999999999999999", NotUnderstood),
            ("pain -3", NotUnderstood),
            ("pain −3", NotUnderstood),
            ("pain 7.5", NotUnderstood),
            ("pain 7,5", NotUnderstood),
            ("pain 3-4", NotUnderstood),
            ("pain 7/5", NotUnderstood),
            ("pain 7 10", NotUnderstood),
            ("pain", NotUnderstood),
            ("pain seven", NotUnderstood),
            ("pain 7?", NotUnderstood),
            ("7/10", NotUnderstood),
            ("pain ٧", NotUnderstood),
            ("7 pain", NotUnderstood),
            // Snooze
            ("snooze", Snooze(super::Snooze::DEFAULT)),
            ("Snooze!", Snooze(super::Snooze::DEFAULT)),
            ("later", Snooze(super::Snooze::DEFAULT)),
            ("remind me later", Snooze(super::Snooze::DEFAULT)),
            ("snooze 30", Snooze(super::Snooze::Minutes(30))),
            ("snooze 10", Snooze(super::Snooze::Minutes(10))),
            ("snooze 30 min", Snooze(super::Snooze::Minutes(30))),
            ("snooze for 10 minutes", Snooze(super::Snooze::Minutes(10))),
            ("remind me in 2 hours", Snooze(super::Snooze::Minutes(120))),
            ("45 more minutes", Snooze(super::Snooze::Minutes(45))),
            ("1 hour", Snooze(super::Snooze::Minutes(60))),
            ("snooze 0", NotUnderstood),
            ("snooze 13 hours", NotUnderstood),
            ("snooze 99999999999999999999", NotUnderstood),
            ("this evening", Snooze(super::Snooze::Evening)),
            ("Tonight!", Snooze(super::Snooze::Evening)),
            ("snooze until this evening", Snooze(super::Snooze::Evening)),
            ("not now", Snooze(super::Snooze::DEFAULT)),
            ("later please", Snooze(super::Snooze::DEFAULT)),
            ("snooze 3.5", NotUnderstood),
            ("snooze -5", NotUnderstood),
            ("snooze 30 40", NotUnderstood),
            ("remind me in 30", NotUnderstood),
            // Stop
            ("stop", Stop),
            ("STOP", Stop),
            ("stop session", Stop),
            ("quit", Stop),
            ("end", Stop),
            ("end session.", Stop),
            ("stop reminders", NotUnderstood),
            ("don't stop", NotUnderstood),
            // Other
            ("", NotUnderstood),
            ("   ", NotUnderstood),
            ("🎉", NotUnderstood),
            ("hello", NotUnderstood),
            ("what is this", NotUnderstood),
        ];
        for (text, want) in table {
            assert_eq!(parse_reply(text), *want, "{text:?}");
        }
    }

    #[test]
    fn long_messages_are_not_commands() {
        let long = "done ".repeat(800);
        assert_eq!(long.len(), 4000);
        assert_eq!(parse_reply(&long), Intent::NotUnderstood);
        let long_unicode = format!("done {}", "✅".repeat(4000));
        assert_eq!(parse_reply(&long_unicode), Intent::NotUnderstood);
        // Whitespace around a short reply does not count towards the limit.
        let padded = format!("{}done{}", " ".repeat(3000), "\n".repeat(3000));
        assert_eq!(parse_reply(&padded), Intent::Done);
        // Exactly at the limit is still read.
        let at_limit = format!("done{}", "!".repeat(MAX_CHARS - 4));
        assert_eq!(parse_reply(&at_limit), Intent::Done);
        let over_limit = format!("done{}", "!".repeat(MAX_CHARS - 3));
        assert_eq!(parse_reply(&over_limit), Intent::NotUnderstood);
    }

    const DONE_VARIANTS: &[&str] = &[
        "done",
        "done!",
        "done ✅",
        "✅",
        "✔️",
        "👍",
        "did it",
        "i did it",
        "finished",
        "complete",
        "completed",
        "all done",
        "yes done",
    ];

    fn whitespace() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just(' '),
                Just('\t'),
                Just('\n'),
                Just('\r'),
                Just('\u{a0}'),
                Just('\u{3000}')
            ],
            0..6,
        )
        .prop_map(|v| v.into_iter().collect())
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in ".*") {
            let _ = parse_reply(&text);
        }

        #[test]
        fn arbitrary_unicode_never_panics(chars in proptest::collection::vec(any::<char>(), 0..5000)) {
            let text: String = chars.into_iter().collect();
            let _ = parse_reply(&text);
        }

        #[test]
        fn decorated_replies_never_panic(prefix in "[a-z !?:/=0-9-]{0,12}", body in "(done|pain|snooze|skip|✅|👍|7|10|/|-| ){0,8}", suffix in "\\PC{0,8}") {
            let _ = parse_reply(&format!("{prefix}{body}{suffix}"));
        }

        #[test]
        fn done_in_any_case_and_whitespace_is_done(
            i in 0..DONE_VARIANTS.len(),
            upper in proptest::collection::vec(any::<bool>(), 16),
            before in whitespace(),
            after in whitespace(),
            inner in whitespace(),
        ) {
            let cased: String = DONE_VARIANTS[i]
                .chars()
                .zip(upper.iter().cycle())
                .map(|(c, &up)| if up { c.to_ascii_uppercase() } else { c })
                .collect();
            let spaced = cased.replace(' ', &format!(" {inner}"));
            let text = format!("{before}{spaced}{after}");
            prop_assert_eq!(parse_reply(&text), Intent::Done, "{:?}", text);
        }
    }
}
