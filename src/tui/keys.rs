//! The one table of keys: the help overlay, the footer and the README's key table are all
//! drawn from `KEYS`, so they cannot drift apart. A new key is one more row here (and its arm
//! in `App::key`).

use ratatui::text::Span;

/// Columns a text takes on screen (arrows and ⏎ are one column each).
fn width(s: &str) -> usize {
    Span::raw(s).width()
}

/// One row of the key table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyHelp {
    /// The keys, as the help overlay and the README write them.
    pub keys: &'static str,
    /// What they do, in a phrase short enough for the help overlay.
    pub does: &'static str,
    /// The chapters where the key does something (none: everywhere).
    pub moves: Option<Moves>,
    /// Whether and how the footer shows the row.
    pub footer: Footer,
}

/// What moves the traffic in a chapter: the route's weights (chapter 1) or ECS deployments
/// (chapter 2). The footer shows a key only where it does something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moves {
    Weights,
    Deployments,
}

/// The footer's short form of a row: (key, word).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Footer {
    Hidden,
    /// Shown when the line has room: the lower ranks first (moving, running and the weights
    /// matter most on stage), yet in table order on the line.
    IfRoom {
        key: &'static str,
        word: &'static str,
        rank: u8,
    },
    /// Shown at every width: how to get help and how to leave.
    Always(&'static str, &'static str),
}

pub const KEYS: &[KeyHelp] = &[
    KeyHelp {
        keys: "↑ ↓  j k",
        does: "move between steps",
        moves: None,
        footer: Footer::IfRoom {
            key: "↑↓",
            word: "move",
            rank: 1,
        },
    },
    KeyHelp {
        keys: "g G  Home End",
        does: "first / last step",
        moves: None,
        footer: Footer::Hidden,
    },
    KeyHelp {
        keys: "Enter",
        does: "run the step and show its Result; again: the next step",
        moves: None,
        footer: Footer::IfRoom {
            key: "⏎",
            word: "run",
            rank: 1,
        },
    },
    KeyHelp {
        keys: "u",
        does: "apply the step's spec to a resource that differs",
        moves: None,
        footer: Footer::Hidden,
    },
    KeyHelp {
        keys: "e",
        does: "edit the step's input in $VISUAL / $EDITOR",
        moves: None,
        footer: Footer::IfRoom {
            key: "e",
            word: "edit",
            rank: 4,
        },
    },
    KeyHelp {
        keys: "c",
        does: "copy the aws CLI command (OSC 52)",
        moves: None,
        footer: Footer::IfRoom {
            key: "c",
            word: "copy",
            rank: 4,
        },
    },
    KeyHelp {
        keys: "Tab  Shift-Tab",
        does: "the step's tabs: Input · CLI · Wire · Result",
        moves: None,
        footer: Footer::IfRoom {
            key: "⇥",
            word: "tab",
            rank: 3,
        },
    },
    KeyHelp {
        keys: "PgUp PgDn  wheel",
        does: "scroll the step pane (a long text first)",
        moves: None,
        footer: Footer::Hidden,
    },
    KeyHelp {
        keys: "← →",
        does: "focus the next pane: step, resources, traffic",
        moves: None,
        footer: Footer::IfRoom {
            key: "←→",
            word: "pane",
            rank: 3,
        },
    },
    KeyHelp {
        keys: "z  Esc",
        does: "zoom the focused pane to the whole screen; back",
        moves: None,
        footer: Footer::IfRoom {
            key: "z",
            word: "zoom",
            rank: 2,
        },
    },
    KeyHelp {
        keys: "click",
        does: "select a step, or focus a pane",
        moves: None,
        footer: Footer::Hidden,
    },
    KeyHelp {
        keys: "+  -",
        does: "move 10 points of weight to v2 / back to v1",
        moves: Some(Moves::Weights),
        footer: Footer::IfRoom {
            key: "+/-",
            word: "weights",
            rank: 2,
        },
    },
    KeyHelp {
        keys: "f",
        does: "fault injection on v2: 30% of its requests fail",
        moves: Some(Moves::Weights),
        footer: Footer::IfRoom {
            key: "f",
            word: "fault",
            rank: 3,
        },
    },
    KeyHelp {
        keys: "a",
        does: "canary autopilot: v2 step by step, checked; again stops",
        moves: Some(Moves::Weights),
        footer: Footer::IfRoom {
            key: "a",
            word: "autopilot",
            rank: 4,
        },
    },
    KeyHelp {
        keys: "R  A",
        does: "roll the deployment back; approve it at its PAUSE hook",
        moves: Some(Moves::Deployments),
        footer: Footer::IfRoom {
            key: "R",
            word: "roll back",
            rank: 2,
        },
    },
    KeyHelp {
        keys: "Space  < >",
        does: "pause the cloud's clock; slower, faster (×1 ×5 ×20 ×60)",
        moves: Some(Moves::Deployments),
        footer: Footer::IfRoom {
            key: "␣",
            word: "pause",
            rank: 3,
        },
    },
    KeyHelp {
        keys: "s",
        does: "point the aws CLI / SDKs at this cloud (c copies)",
        moves: None,
        footer: Footer::IfRoom {
            key: "s",
            word: "share",
            rank: 5,
        },
    },
    KeyHelp {
        keys: "h",
        does: "raise your hand: the classroom's host sees it",
        moves: None,
        footer: Footer::Hidden,
    },
    KeyHelp {
        keys: "?",
        does: "this help (any key closes it)",
        moves: None,
        footer: Footer::Always("?", "help"),
    },
    KeyHelp {
        keys: "q  Ctrl-C",
        does: "quit (the embedded cloud stops with meshwalk)",
        moves: None,
        footer: Footer::Always("q", "quit"),
    },
];

/// Said under the keys in the help overlay.
pub const HELP_NOTE: &str = "progress and edits are saved, and resume next time";

/// The width of the keys column in the help overlay.
pub const KEYS_COLUMN: usize = 18;

/// The help overlay's width, borders included: the widest row fits.
pub fn help_width() -> u16 {
    let widest = KEYS
        .iter()
        .map(|k| width(k.does))
        .chain([width(HELP_NOTE)])
        .max()
        .unwrap_or(0);
    u16::try_from(KEYS_COLUMN + 2 + widest + 2).unwrap_or(u16::MAX)
}

/// The footer's entries that fit in `columns`: every `Always` entry, then the `IfRoom` ones
/// by rank while they fit; shown in table order.
pub fn footer_entries(columns: u16, moves: Moves) -> Vec<(&'static str, &'static str)> {
    let cost = |key: &str, word: &str| width(key) + width(word) + 3;
    let mut room = usize::from(columns);
    let mut shown = vec![false; KEYS.len()];
    let applies = |row: &KeyHelp| row.moves.is_none_or(|m| m == moves);
    for (i, row) in KEYS.iter().enumerate() {
        if let Footer::Always(key, word) = row.footer {
            room = room.saturating_sub(cost(key, word));
            shown[i] = true;
        }
    }
    let mut by_rank: Vec<(u8, usize, usize)> = KEYS
        .iter()
        .enumerate()
        .filter(|(_, row)| applies(row))
        .filter_map(|(i, row)| match row.footer {
            Footer::IfRoom { key, word, rank } => Some((rank, i, cost(key, word))),
            _ => None,
        })
        .collect();
    by_rank.sort();
    for (_, i, needs) in by_rank {
        if needs <= room {
            room -= needs;
            shown[i] = true;
        }
    }
    KEYS.iter()
        .zip(shown)
        .filter_map(|(row, shown)| match row.footer {
            Footer::Always(key, word) | Footer::IfRoom { key, word, .. } if shown => {
                Some((key, word))
            }
            _ => None,
        })
        .collect()
}

/// Where the README's key table starts and ends.
pub const README_START: &str = "<!-- keys: generated from src/tui/keys.rs -->";
pub const README_END: &str = "<!-- /keys -->";

/// The README's key table, as Markdown.
pub fn markdown_table() -> String {
    let mut table = String::from("| key | does |\n| --- | --- |\n");
    for row in KEYS {
        let keys = row.keys.split("  ").collect::<Vec<_>>().join(" / ");
        table.push_str(&format!("| {keys} | {} |\n", row.does));
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_key_table_is_the_one_definition() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
            .expect("README.md");
        let start = readme
            .find(README_START)
            .expect("the README's start marker")
            + README_START.len();
        let end = readme[start..]
            .find(README_END)
            .expect("the README's end marker")
            + start;
        let expected = markdown_table();
        assert_eq!(
            readme[start..end].trim(),
            expected.trim(),
            "the README's key table differs from src/tui/keys.rs; put this between the markers:\n{expected}"
        );
    }

    #[test]
    fn the_footer_keeps_help_and_quit_at_every_width() {
        for columns in 0..=200 {
            let shown = footer_entries(columns, Moves::Weights);
            assert!(shown.contains(&("?", "help")) && shown.contains(&("q", "quit")));
            if columns >= 20 {
                let used: usize = shown.iter().map(|(k, w)| width(k) + width(w) + 3).sum();
                assert!(used <= usize::from(columns), "{columns}: {shown:?}");
            }
        }
        let all = KEYS
            .iter()
            .filter(|k| k.footer != Footer::Hidden && k.moves != Some(Moves::Deployments))
            .count();
        assert_eq!(
            footer_entries(140, Moves::Weights).len(),
            all,
            "a projector shows every footer key"
        );
        let at_80 = footer_entries(80, Moves::Weights);
        assert!(at_80.len() < all, "80 columns drop some");
        assert!(
            at_80.contains(&("+/-", "weights"))
                && footer_entries(60, Moves::Weights).contains(&("z", "zoom")),
            "what a presenter needs on stage goes first"
        );
    }

    #[test]
    fn the_help_overlay_fits_a_default_terminal() {
        assert!(help_width() <= 80, "{}", help_width());
        assert!(KEYS.iter().all(|k| width(k.keys) <= KEYS_COLUMN));
        assert!(
            KEYS.len() + 3 <= 24,
            "rows, the note and borders fit 24 rows"
        );
    }

    #[test]
    fn the_footer_shows_the_keys_of_the_chapter_the_step_is_in() {
        let weights = footer_entries(140, Moves::Weights);
        assert!(weights.contains(&("+/-", "weights")) && weights.contains(&("a", "autopilot")));
        assert!(!weights.contains(&("R", "roll back")));
        let deployments = footer_entries(140, Moves::Deployments);
        assert!(deployments.contains(&("R", "roll back")), "{deployments:?}");
        assert!(
            !deployments
                .iter()
                .any(|(k, _)| ["+/-", "f", "a"].contains(k))
        );
    }
}
