//! The report at the end of a classroom: per attendee, the steps done, time per step and the
//! errors met; per step, how long the room took (median, slowest) and which errors were
//! common. What a host needs to improve the workshop.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

use super::room::{Record, StepNames, minutes};

/// The report as Markdown.
pub fn markdown(records: &[Record], steps: &StepNames) -> String {
    let mut out = String::from("# meshwalk classroom report\n\n");
    let _ = writeln!(out, "{} attendees.\n", records.len());
    out.push_str("## Steps\n\n| step | done by | median time | slowest | common errors |\n| --- | --- | --- | --- | --- |\n");
    for (i, title) in steps.titles.iter().enumerate() {
        let mut times: Vec<(Duration, &str)> = records
            .iter()
            .filter_map(|r| r.time_on.get(&i).map(|t| (*t, r.name.as_str())))
            .filter(|(t, _)| !t.is_zero())
            .collect();
        let done_by = records.iter().filter(|r| r.done.contains(&i)).count();
        let mut errors: BTreeMap<&str, usize> = BTreeMap::new();
        for r in records {
            for (step, code) in &r.errors {
                if *step == i {
                    *errors.entry(code.as_str()).or_default() += 1;
                }
            }
        }
        if times.is_empty() && done_by == 0 && errors.is_empty() {
            continue;
        }
        times.sort();
        let median = times
            .get(times.len() / 2)
            .map(|(t, _)| minutes(*t))
            .unwrap_or_else(|| "–".into());
        let slowest = times
            .last()
            .map(|(t, who)| format!("{} ({who})", minutes(*t)))
            .unwrap_or_else(|| "–".into());
        let mut common: Vec<(&str, usize)> = errors.into_iter().collect();
        common.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let common = common
            .iter()
            .take(3)
            .map(|(code, n)| format!("{code} ×{n}"))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            out,
            "| {} {} | {done_by} | {median} | {slowest} | {} |",
            i + 1,
            cell(title),
            if common.is_empty() {
                "–".into()
            } else {
                common
            }
        );
    }
    out.push_str("\n## Attendees\n\n| attendee | steps done | time in all | errors met |\n| --- | --- | --- | --- |\n");
    for r in records {
        let total: Duration = r.time_on.values().sum();
        let errors = if r.errors.is_empty() {
            "–".to_string()
        } else {
            r.errors
                .iter()
                .map(|(step, code)| format!("{code} (step {})", step + 1))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            cell(&r.name),
            r.done.len(),
            minutes(total),
            cell(&errors)
        );
    }
    out
}

/// Text safe in a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::SystemTime;

    #[test]
    fn the_report_names_the_slowest_and_the_common_errors() {
        let steps = StepNames {
            ids: vec!["01-welcome".into(), "02-create-mesh".into()],
            titles: vec!["Welcome".into(), "Create the mesh".into()],
            chapters: vec![String::new(), String::new()],
            operations: vec![None, Some("CreateMesh")],
        };
        let record = |name: &str, secs: u64, errors: Vec<(usize, String)>| Record {
            name: name.into(),
            joined: SystemTime::now(),
            done: vec![0, 1],
            time_on: BTreeMap::from([(0, Duration::from_secs(5)), (1, Duration::from_secs(secs))]),
            errors,
        };
        let records = vec![
            record("alice", 60, vec![]),
            record("bob", 400, vec![(1, "BadRequestException".into()); 2]),
            record("carol", 120, vec![(1, "BadRequestException".into())]),
        ];
        let report = markdown(&records, &steps);
        assert!(
            report.contains(
                "| 2 Create the mesh | 3 | 2 min | 6 min (bob) | BadRequestException ×3 |"
            ),
            "{report}"
        );
        assert!(
            report.contains(
                "| bob | 2 | 6 min | BadRequestException (step 2), BadRequestException (step 2) |"
            ),
            "{report}"
        );
    }
}
