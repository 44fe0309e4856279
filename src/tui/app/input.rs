//! The App's input: keys (the share overlay's, the help's, the panes') and the mouse, each
//! turned into state changes and commands.

use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::Position;

use super::*;

impl App {
    /// In the share overlay: `c` copies the lines, q quits, any other key closes it.
    fn share_key(&mut self, key: KeyEvent, ctrl: bool) -> Vec<Cmd> {
        match key.code {
            KeyCode::Char('c') if ctrl => self.quit(),
            KeyCode::Char('q') => self.quit(),
            KeyCode::Char('c') => {
                self.toast = Some("copied the lines that point the aws CLI here".into());
                self.share.clone().map(Cmd::Copy).into_iter().collect()
            }
            _ => {
                self.sharing = false;
                vec![]
            }
        }
    }

    pub(super) fn key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        self.toast = None;
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if self.sharing {
            return self.share_key(key, ctrl);
        }
        if let Some(room) = self.classroom.as_mut()
            && room.message.is_some()
        {
            // Any key closes the host's message; q and Ctrl-C still quit.
            room.message = None;
            let quits = key.code == KeyCode::Char('q') || (ctrl && key.code == KeyCode::Char('c'));
            if !quits {
                return vec![];
            }
        }
        if self.help {
            // Any key closes the overlay; q and Ctrl-C still quit.
            self.help = false;
            let quits = key.code == KeyCode::Char('q') || (ctrl && key.code == KeyCode::Char('c'));
            if !quits {
                return vec![];
            }
        }
        match key.code {
            KeyCode::Char('q') => self.quit(),
            KeyCode::Char('c') if ctrl => self.quit(),
            KeyCode::Enter => self.enter(),
            KeyCode::Char('u') => self.update_key(),
            KeyCode::Char('e') => self.edit_key(),
            KeyCode::Char('c') => self.copy_cli_key(),
            KeyCode::Char('+') | KeyCode::Char('=') => self.shift(10),
            KeyCode::Char('-') => self.shift(-10),
            KeyCode::Char('f') => vec![Cmd::SetFault(!self.fault)],
            KeyCode::Char('a') => self.autopilot_key(),
            KeyCode::Char('R') => self.roll_back_key(),
            KeyCode::Char('h') => self.hand_key(),
            KeyCode::Char(' ' | '>' | '<') if self.classroom.is_some() => {
                self.toast = Some("the host sets the room's clock".into());
                vec![]
            }
            KeyCode::Char(' ') => vec![Cmd::Clock(ClockChange::Pause)],
            KeyCode::Char('>') => vec![Cmd::Clock(ClockChange::Faster)],
            KeyCode::Char('<') => vec![Cmd::Clock(ClockChange::Slower)],
            KeyCode::Char('A') => self.approve_key(),
            code => {
                self.navigate(code);
                vec![]
            }
        }
    }

    /// The keys that only change what is shown: overlays, the selected step, tabs, focus,
    /// zoom and scrolling.
    fn navigate(&mut self, code: KeyCode) {
        match code {
            KeyCode::Char('?') => self.help = true,
            KeyCode::Char('s') => self.open_share(),
            KeyCode::Up | KeyCode::Char('k') => self.select(self.selected.saturating_sub(1)),
            KeyCode::Down | KeyCode::Char('j') => self.select(self.selected + 1),
            KeyCode::Home | KeyCode::Char('g') => self.select(0),
            KeyCode::End | KeyCode::Char('G') => self.select(self.steps.len().saturating_sub(1)),
            KeyCode::Tab => {
                self.tab = self.tab.next();
                self.scroll = 0;
            }
            KeyCode::BackTab => {
                self.tab = self.tab.previous();
                self.scroll = 0;
            }
            KeyCode::Right => self.focus = self.focus.next(),
            KeyCode::Left => self.focus = self.focus.previous(),
            KeyCode::Char('z') => self.zoomed = !self.zoomed,
            KeyCode::Esc => self.zoomed = false,
            KeyCode::PageDown => self.scroll = self.scroll.saturating_add(10),
            KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(10),
            _ => {}
        }
    }

    /// `h`: raises the hand on the classroom host's dashboard, or lowers it.
    fn hand_key(&mut self) -> Vec<Cmd> {
        let Some(room) = self.classroom.as_mut() else {
            self.toast = Some("h raises your hand in a classroom (meshwalk classroom)".into());
            return vec![];
        };
        room.hand_raised = !room.hand_raised;
        self.toast = Some(
            if room.hand_raised {
                "hand raised: the host was told (h lowers it)"
            } else {
                "hand lowered"
            }
            .into(),
        );
        vec![Cmd::RaiseHand(room.hand_raised)]
    }

    /// `s`: the share overlay, where there are lines to share.
    fn open_share(&mut self) {
        match self.share {
            Some(_) => self.sharing = true,
            None => {
                self.toast =
                    Some("on AWS, the aws CLI uses your own credentials and region already".into())
            }
        }
    }

    /// `u`: sends the step's input again where the cloud's resource differs from it.
    fn update_key(&mut self) -> Vec<Cmd> {
        match self.steps.get(self.selected) {
            Some(s) if s.status == StepStatus::Differs => {
                self.steps[self.selected].status = StepStatus::Running;
                vec![Cmd::RunStep {
                    index: self.selected,
                    update: true,
                }]
            }
            _ => vec![],
        }
    }

    /// `e`: opens the step's input in the editor; only API steps have one.
    fn edit_key(&mut self) -> Vec<Cmd> {
        match self.steps.get(self.selected) {
            Some(s) if s.kind == StepKindView::Api => vec![Cmd::Edit {
                index: self.selected,
            }],
            _ => {
                self.toast = Some("this step has no input to edit".into());
                vec![]
            }
        }
    }

    /// `c`: copies the step's aws CLI command.
    fn copy_cli_key(&mut self) -> Vec<Cmd> {
        match self.inputs.get(self.selected).and_then(|i| i.cli.clone()) {
            Some(cli) => {
                self.toast = Some("copied the aws CLI command".into());
                vec![Cmd::Copy(cli)]
            }
            None => {
                self.toast = Some("this step has no aws CLI command".into());
                vec![]
            }
        }
    }

    fn quit(&mut self) -> Vec<Cmd> {
        self.quit = true;
        vec![Cmd::Quit]
    }

    fn shift(&mut self, points: i32) -> Vec<Cmd> {
        match self.weights.as_ref().map(|w| w.shifted(points)) {
            Some(Some(next)) => vec![Cmd::SetWeights(next)],
            Some(None) => {
                self.toast = Some("the weights are already at the limit".into());
                vec![]
            }
            None => {
                self.toast =
                    Some("create the route first: there are no weights to move yet".into());
                vec![]
            }
        }
    }

    fn enter(&mut self) -> Vec<Cmd> {
        let index = self.selected;
        if self.shown == Some(index) {
            // The Result of the step just run was in view: on to the next step, its Input.
            self.select(index + 1);
            self.shown = None;
            self.tab = Tab::Input;
            return vec![];
        }
        let Some(step) = self.steps.get_mut(index) else {
            return vec![];
        };
        if step.status == StepStatus::Running {
            return vec![];
        }
        match step.kind {
            StepKindView::Api => {
                step.status = StepStatus::Running;
                vec![Cmd::RunStep {
                    index,
                    update: false,
                }]
            }
            StepKindView::Info => {
                step.status = StepStatus::Done;
                let id = step.id.clone();
                self.select(index + 1);
                vec![Cmd::MarkDone(id)]
            }
            // The pane's traffic starts (and keeps flowing); the step itself runs as every
            // step does, through the session's runner, which observes the split and reports.
            StepKindView::Traffic => {
                step.status = StepStatus::Running;
                let mut cmds = self.traffic_for(index);
                cmds.push(Cmd::RunStep {
                    index,
                    update: false,
                });
                cmds
            }
            // Done when the deployment ends: the watcher says so.
            StepKindView::Deployment => {
                step.status = StepStatus::Running;
                self.traffic_for(index)
            }
            StepKindView::Teardown => {
                step.status = StepStatus::Running;
                vec![Cmd::Teardown { index }]
            }
        }
    }

    pub(super) fn mouse(&mut self, mouse: MouseEvent) -> Vec<Cmd> {
        let areas = self.areas(Rect::new(0, 0, self.size.0, self.size.1));
        match mouse.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                let at = Position::new(mouse.column, mouse.row);
                let panes = [
                    (areas.pane, Pane::Step),
                    (areas.resources, Pane::Resources),
                    (areas.traffic, Pane::Traffic),
                ];
                if let Some((_, pane)) = panes
                    .iter()
                    .find(|(area, _)| area.is_some_and(|a| a.contains(at)))
                {
                    self.focus = *pane;
                }
                if let Some(list) = areas.steps
                    && list.contains(at)
                {
                    let row = mouse.row.saturating_sub(list.y + 1) as usize;
                    let rows = self.list_rows();
                    let (_, first) =
                        self.list_window(&rows, list.height.saturating_sub(2) as usize);
                    // A heading selects the chapter's first step.
                    let step = rows[(first + row).min(rows.len().saturating_sub(1))..]
                        .iter()
                        .find_map(|r| match r {
                            super::super::layout::ListRow::Step(i) => Some(*i),
                            super::super::layout::ListRow::Chapter { .. } => None,
                        });
                    if let Some(step) = step {
                        self.select(step);
                    }
                }
                vec![]
            }
            MouseEventKind::ScrollDown => {
                self.scroll = self.scroll.saturating_add(3);
                vec![]
            }
            MouseEventKind::ScrollUp => {
                self.scroll = self.scroll.saturating_sub(3);
                vec![]
            }
            _ => vec![],
        }
    }
}
