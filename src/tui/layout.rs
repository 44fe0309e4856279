//! Where each pane goes for a terminal size: side by side from 100×30, stacked below that,
//! down to 40×10; smaller gets a friendly "enlarge the window".

use ratatui::layout::{Constraint, Layout, Rect};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub too_small: bool,
    pub header: Rect,
    pub steps: Option<Rect>,
    pub pane: Rect,
    pub resources: Option<Rect>,
    pub traffic: Option<Rect>,
    pub footer: Rect,
}

pub const MIN: (u16, u16) = (40, 10);

impl Areas {
    pub fn new(area: Rect) -> Areas {
        Areas::with_traffic(area, true)
    }

    /// `traffic`: whether the narrow layout should make room for the traffic pane.
    pub fn with_traffic(area: Rect, traffic: bool) -> Areas {
        let empty = Rect::new(area.x, area.y, 0, 0);
        if area.width < MIN.0 || area.height < MIN.1 {
            return Areas {
                too_small: true,
                header: empty,
                steps: None,
                pane: area,
                resources: None,
                traffic: None,
                footer: empty,
            };
        }
        let [header, body, footer] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(1),
        ])
        .areas(area);
        if area.width >= 100 && area.height >= 30 {
            let [steps, rest] =
                Layout::horizontal([Constraint::Length(36), Constraint::Min(1)]).areas(body);
            let [top, bottom] =
                Layout::vertical([Constraint::Percentage(60), Constraint::Percentage(40)])
                    .areas(rest);
            let [pane, resources] =
                Layout::horizontal([Constraint::Min(1), Constraint::Length(38)]).areas(top);
            return Areas {
                too_small: false,
                header,
                steps: Some(steps),
                pane,
                resources: Some(resources),
                traffic: Some(bottom),
                footer,
            };
        }
        let list = (body.height / 3).clamp(3, 8);
        let [steps, rest] =
            Layout::vertical([Constraint::Length(list), Constraint::Min(1)]).areas(body);
        if traffic && rest.height >= 12 {
            let [pane, traffic] =
                Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)])
                    .areas(rest);
            return Areas {
                too_small: false,
                header,
                steps: Some(steps),
                pane,
                resources: None,
                traffic: Some(traffic),
                footer,
            };
        }
        Areas {
            too_small: false,
            header,
            steps: Some(steps),
            pane: rest,
            resources: None,
            traffic: None,
            footer,
        }
    }
}

/// The first step row shown in a list of `rows` rows, keeping `selected` in view.
pub fn first_visible(selected: usize, rows: usize) -> usize {
    if rows == 0 {
        selected
    } else {
        selected
            .saturating_sub(rows - 1)
            .min(selected.saturating_sub(rows / 2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_size_gets_a_layout_without_overlap() {
        for w in 0..=160u16 {
            for h in [0, 5, 9, 10, 11, 20, 29, 30, 45, 60] {
                let a = Areas::new(Rect::new(0, 0, w, h));
                if a.too_small {
                    assert!(w < MIN.0 || h < MIN.1);
                    continue;
                }
                let mut rects: Vec<Rect> = vec![a.header, a.pane, a.footer];
                rects.extend(a.steps);
                rects.extend(a.resources);
                rects.extend(a.traffic);
                for (i, r) in rects.iter().enumerate() {
                    assert!(r.right() <= w && r.bottom() <= h, "{w}x{h}: {r:?}");
                    for other in &rects[i + 1..] {
                        assert!(
                            !r.intersects(*other) || r.area() == 0 || other.area() == 0,
                            "{w}x{h}: {r:?} {other:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_selection_stays_visible() {
        for rows in 1..10 {
            for selected in 0..30 {
                let first = first_visible(selected, rows);
                assert!(
                    first <= selected && selected < first + rows,
                    "rows {rows} selected {selected}"
                );
            }
        }
    }
}
