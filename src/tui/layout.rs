//! Where each pane goes for a terminal size: side by side from 100×30 (the resources beside
//! the step pane from 120 columns, in its place while focused below), stacked below that,
//! down to 40×10; smaller gets a friendly "enlarge the window". The traffic pane takes room
//! only while traffic runs (one line before), and a zoomed pane takes the whole body.

use ratatui::layout::{Constraint, Layout, Rect};

use super::app::Pane;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub too_small: bool,
    pub header: Rect,
    pub steps: Option<Rect>,
    pub pane: Option<Rect>,
    pub resources: Option<Rect>,
    /// One line (no border) before traffic runs; a pane while it does.
    pub traffic: Option<Rect>,
    pub footer: Rect,
}

/// What of the App's state decides the layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub traffic_running: bool,
    pub focus: Pane,
    pub zoomed: bool,
    /// The step list's width that fits the longest title.
    pub list_width: u16,
}

pub const MIN: (u16, u16) = (40, 10);

/// The resources pane's width beside the step pane.
const RESOURCES_WIDTH: u16 = 38;

/// The narrowest step pane beside the resources: narrower (27 columns at 100×30 it was), the
/// resources take the step pane's place while focused, as when stacked.
const PANE_BESIDE: u16 = 60;

impl Areas {
    pub fn new(area: Rect, shape: Shape) -> Areas {
        if area.width < MIN.0 || area.height < MIN.1 {
            let empty = Rect::new(area.x, area.y, 0, 0);
            return Areas {
                too_small: true,
                header: empty,
                steps: None,
                pane: Some(area),
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
        let mut areas = Areas {
            too_small: false,
            header,
            steps: None,
            pane: None,
            resources: None,
            traffic: None,
            footer,
        };
        if shape.zoomed {
            match shape.focus {
                Pane::Step => areas.pane = Some(body),
                Pane::Resources => areas.resources = Some(body),
                Pane::Traffic => areas.traffic = Some(body),
            }
        } else if area.width >= 100 && area.height >= 30 {
            areas.side_by_side(body, shape);
        } else {
            areas.stacked(body, shape);
        }
        areas
    }

    /// Steps on the left, full height; the step pane and the resources beside them; the
    /// traffic below those two.
    fn side_by_side(&mut self, body: Rect, shape: Shape) {
        // The list never takes more than a third, so the step pane keeps its room.
        let list = shape.list_width.clamp(24, body.width / 3);
        let [steps, right] =
            Layout::horizontal([Constraint::Length(list), Constraint::Min(1)]).areas(body);
        let traffic_rows = if shape.traffic_running {
            // Room for the table and a chart, yet at least 12 lines of the Input tab at 45 rows.
            (right.height * 2 / 5).clamp(8, 18)
        } else {
            1
        };
        let [top, traffic] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(traffic_rows)]).areas(right);
        self.steps = Some(steps);
        self.traffic = Some(traffic);
        if right.width < PANE_BESIDE + RESOURCES_WIDTH {
            if shape.focus == Pane::Resources {
                self.resources = Some(top);
            } else {
                self.pane = Some(top);
            }
            return;
        }
        let [pane, resources] =
            Layout::horizontal([Constraint::Min(1), Constraint::Length(RESOURCES_WIDTH)])
                .areas(top);
        self.pane = Some(pane);
        self.resources = Some(resources);
    }

    /// Steps on top, then the step pane — or the resources, when focused: there is no room
    /// for both — then the traffic.
    fn stacked(&mut self, body: Rect, shape: Shape) {
        // While traffic runs, the list and then the traffic give rows to the step pane: 8
        // lines of the Input tab's JSON still show at 80×24, with the traffic table's
        // revisions below (z zooms the traffic for its chart).
        let list = if shape.traffic_running {
            (body.height / 6).clamp(3, 8)
        } else {
            (body.height / 3).clamp(3, 8)
        };
        let [steps, rest] =
            Layout::vertical([Constraint::Length(list), Constraint::Min(1)]).areas(body);
        let traffic_rows = if shape.traffic_running && rest.height >= 10 {
            rest.height.saturating_sub(14).clamp(5, 10)
        } else {
            1
        };
        let [pane, traffic] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(traffic_rows)]).areas(rest);
        self.steps = Some(steps);
        if shape.focus == Pane::Resources {
            self.resources = Some(pane);
        } else {
            self.pane = Some(pane);
        }
        self.traffic = Some(traffic);
    }
}

/// One row of the step list: a chapter's heading, or a step (its index).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListRow {
    Chapter { number: usize, title: String },
    Step(usize),
}

/// The step list's rows: each step, with a heading before each step that opens a titled
/// chapter. Drawing and the mouse both use these rows.
pub fn list_rows(chapters: impl IntoIterator<Item = Option<String>>) -> Vec<ListRow> {
    let mut rows = Vec::new();
    let mut number = 0;
    for (i, chapter) in chapters.into_iter().enumerate() {
        if let Some(title) = chapter {
            number += 1;
            rows.push(ListRow::Chapter { number, title });
        }
        rows.push(ListRow::Step(i));
    }
    rows
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

    fn shapes() -> Vec<Shape> {
        let mut shapes = Vec::new();
        for traffic_running in [false, true] {
            for zoomed in [false, true] {
                for focus in Pane::ALL {
                    shapes.push(Shape {
                        traffic_running,
                        focus,
                        zoomed,
                        list_width: 38,
                    });
                }
            }
        }
        shapes
    }

    #[test]
    fn every_size_gets_a_layout_without_overlap() {
        for shape in shapes() {
            // The edges of each layout and a spread between (every width costs seconds in a
            // debug build: the layout solver runs for each).
            for w in [
                0, 39, 40, 41, 59, 60, 79, 80, 99, 100, 101, 113, 120, 140, 160,
            ] {
                for h in [0, 5, 9, 10, 11, 12, 20, 24, 29, 30, 45, 60] {
                    let a = Areas::new(Rect::new(0, 0, w, h), shape);
                    if a.too_small {
                        assert!(w < MIN.0 || h < MIN.1);
                        continue;
                    }
                    let mut rects: Vec<Rect> = vec![a.header, a.footer];
                    rects.extend(a.steps);
                    rects.extend(a.pane);
                    rects.extend(a.resources);
                    rects.extend(a.traffic);
                    for (i, r) in rects.iter().enumerate() {
                        assert!(r.right() <= w && r.bottom() <= h, "{w}x{h}: {r:?}");
                        for other in &rects[i + 1..] {
                            assert!(
                                !r.intersects(*other) || r.area() == 0 || other.area() == 0,
                                "{w}x{h} {shape:?}: {r:?} {other:?}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn the_traffic_pane_takes_one_line_until_traffic_runs() {
        for (w, h) in [(140, 45), (80, 24), (60, 20)] {
            let area = Rect::new(0, 0, w, h);
            let mut shape = shapes()[0];
            let before = Areas::new(area, shape).traffic.unwrap();
            assert_eq!(before.height, 1, "{w}x{h}");
            shape.traffic_running = true;
            let during = Areas::new(area, shape).traffic.unwrap();
            assert!(during.height >= 5, "{w}x{h}: {during:?}");
        }
    }

    #[test]
    fn a_zoomed_pane_fills_the_body_and_nothing_else_shows() {
        let area = Rect::new(0, 0, 140, 45);
        let body = Rect::new(0, 1, 140, 43);
        for focus in Pane::ALL {
            let a = Areas::new(
                area,
                Shape {
                    traffic_running: true,
                    focus,
                    zoomed: true,
                    list_width: 38,
                },
            );
            let shown: Vec<Rect> = [a.steps, a.pane, a.resources, a.traffic]
                .into_iter()
                .flatten()
                .collect();
            assert_eq!(shown, [body], "{focus:?}");
            assert_eq!((a.header.y, a.footer.y), (0, 44), "header and footer stay");
        }
    }

    #[test]
    fn the_step_pane_stays_readable_from_100_columns() {
        for w in [100, 110, 119, 120, 135, 136, 140, 160] {
            let a = Areas::new(Rect::new(0, 0, w, 30), shapes()[0]);
            let pane = a.pane.unwrap();
            assert!(pane.width >= PANE_BESIDE, "{w}x30: {pane:?}");
            assert_eq!(a.resources.is_some(), w >= 136, "{w}x30");
        }
        let focused = Shape {
            focus: Pane::Resources,
            ..shapes()[0]
        };
        let a = Areas::new(Rect::new(0, 0, 100, 30), focused);
        assert!(a.pane.is_none() && a.resources.unwrap().width >= 60);
    }

    #[test]
    fn the_list_fits_the_longest_title_at_140_columns() {
        let shape = Shape {
            list_width: 38,
            ..shapes()[0]
        };
        let a = Areas::new(Rect::new(0, 0, 140, 45), shape);
        assert_eq!(a.steps.unwrap().width, 38);
    }

    #[test]
    fn chapters_head_their_first_steps() {
        let rows = list_rows([Some("One".to_string()), None, Some("Two".to_string()), None]);
        assert_eq!(
            rows,
            [
                ListRow::Chapter {
                    number: 1,
                    title: "One".into()
                },
                ListRow::Step(0),
                ListRow::Step(1),
                ListRow::Chapter {
                    number: 2,
                    title: "Two".into()
                },
                ListRow::Step(2),
                ListRow::Step(3),
            ]
        );
        assert_eq!(
            list_rows([None, None]),
            [ListRow::Step(0), ListRow::Step(1)]
        );
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
