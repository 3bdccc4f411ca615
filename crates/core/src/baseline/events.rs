//! From single-poll alarms to alarm events: the "m of the last n polls"
//! rule. A poll is *in alarm* when at least `m` of the last `n` polls of its
//! session (itself included; fewer at the start of a session) raised a
//! single-poll alarm; an **alarm event** is a maximal run of polls in alarm.
//! With 1 of 1 (the default) every run of consecutive alarm polls is one
//! event. Events are counted per hour of traffic.

use std::ops::Range;

use serde::{Deserialize, Serialize};

/// "m of the last n polls".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlarmRule {
    pub m: u32,
    pub n: u32,
}

impl Default for AlarmRule {
    fn default() -> Self {
        AlarmRule::EVERY_POLL
    }
}

impl AlarmRule {
    /// Every alarm poll counts (1 of 1).
    pub const EVERY_POLL: AlarmRule = AlarmRule { m: 1, n: 1 };
    /// The baseline's default: 3 of the last 5 polls. At a 1% false-alarm
    /// rate per poll, single-poll alarms alone give about 36 alarms an hour
    /// at 1 s polls, whatever the detector; isolated alarm polls need a
    /// rule to stop being events, and a sustained attack is in alarm from
    /// its third poll on.
    pub const THREE_OF_FIVE: AlarmRule = AlarmRule { m: 3, n: 5 };

    pub fn is_valid(&self) -> bool {
        self.m >= 1 && self.m <= self.n
    }

    /// "3/5" or "3 of 5" → the rule; `None` unless 1 ≤ m ≤ n.
    pub fn parse(s: &str) -> Option<AlarmRule> {
        let s = s.trim();
        let (m, n) = s.split_once('/').or_else(|| s.split_once(" of "))?;
        let r = AlarmRule {
            m: m.trim().parse().ok()?,
            n: n.trim().parse().ok()?,
        };
        r.is_valid().then_some(r)
    }

    /// In words: "3 of the last 5 polls".
    pub fn describe(&self) -> String {
        if *self == AlarmRule::EVERY_POLL {
            "every alarm poll".into()
        } else {
            format!("{} of the last {} polls", self.m, self.n)
        }
    }

    /// Which polls of one session (in time order) are in alarm.
    pub fn in_alarm(&self, alarms: &[bool]) -> Vec<bool> {
        let n = self.n.max(1) as usize;
        let mut out = Vec::with_capacity(alarms.len());
        let mut count = 0usize;
        for i in 0..alarms.len() {
            count += alarms[i] as usize;
            if i >= n {
                count -= alarms[i - n] as usize;
            }
            out.push(count >= self.m as usize);
        }
        out
    }

    /// Alarm events in one session (in time order).
    pub fn events(&self, alarms: &[bool]) -> usize {
        let on = self.in_alarm(alarms);
        (0..on.len())
            .filter(|&i| on[i] && (i == 0 || !on[i - 1]))
            .count()
    }

    /// Alarm events over several sessions of rows (each in time order); a
    /// rule's window never spans two sessions.
    pub fn events_in(&self, alarms: &[bool], sessions: &[Range<usize>]) -> usize {
        sessions
            .iter()
            .map(|s| self.events(&alarms[s.start.min(alarms.len())..s.end.min(alarms.len())]))
            .sum()
    }
}

/// Events per hour of traffic (0 when no time).
pub fn per_hour(events: usize, seconds: f64) -> f64 {
    if seconds > 0.0 {
        events as f64 * 3600.0 / seconds
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Vec<bool> {
        s.chars().map(|c| c == '1').collect()
    }

    #[test]
    fn m_of_n_turns_noisy_polls_into_events() {
        let every = AlarmRule::EVERY_POLL;
        let three_of_five = AlarmRule { m: 3, n: 5 };
        // Isolated blips and one sustained stretch.
        let a = b("0100010000111111100001");
        assert_eq!(every.events(&a), 4);
        assert_eq!(three_of_five.events(&a), 1);
        assert_eq!(three_of_five.in_alarm(&a), b("0000000000001111111000"));
        // Scattered alarms 3 in a window of 5 make an event; 2 do not.
        assert_eq!(three_of_five.events(&b("10101")), 1);
        assert_eq!(three_of_five.events(&b("1001001001")), 0);
        // Two sessions: the window does not carry over.
        let two = b("1100011");
        assert_eq!(AlarmRule { m: 3, n: 4 }.events(&two), 0);
        assert_eq!(AlarmRule { m: 2, n: 2 }.events_in(&two, &[0..5, 5..7]), 2);
        assert_eq!(
            AlarmRule { m: 3, n: 4 }.events_in(&b("1101"), &[0..2, 2..4]),
            0
        );
        assert_eq!(per_hour(3, 1800.0), 6.0);
        assert_eq!(per_hour(3, 0.0), 0.0);
    }

    #[test]
    fn rules_parse_and_describe() {
        assert_eq!(AlarmRule::parse("3/5"), Some(AlarmRule { m: 3, n: 5 }));
        assert_eq!(AlarmRule::parse(" 2 of 3 "), Some(AlarmRule { m: 2, n: 3 }));
        assert_eq!(AlarmRule::parse("5/3"), None);
        assert_eq!(AlarmRule::parse("0/3"), None);
        assert_eq!(AlarmRule::parse("x"), None);
        assert_eq!(AlarmRule { m: 3, n: 5 }.describe(), "3 of the last 5 polls");
        assert_eq!(AlarmRule::default().describe(), "every alarm poll");
    }
}
