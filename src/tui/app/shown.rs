//! What the App shows of the messages its jobs send: traffic samples (and the chart's
//! history and per-stage tallies), weights, the watched deployment's stages, the autopilot's
//! events, the classroom's broadcasts, the clock.

use super::*;

impl App {
    /// The messages that only change what is shown.
    pub(super) fn show(&mut self, msg: Msg) {
        match msg {
            Msg::Resize(w, h) => self.size = (w, h),
            Msg::Inputs(inputs) => self.inputs = inputs,
            Msg::Resources(resources) => self.resources = resources,
            Msg::Weights(weights) => self.show_weights(weights),
            Msg::Traffic(sample) => self.show_sample(*sample),
            Msg::TrafficStopped(why) => {
                self.traffic.running = false;
                self.toast = Some(why);
            }
            Msg::Toast(text) => self.toast = Some(text),
            Msg::FaultSet(on) => self.fault = on,
            Msg::Resilience(view) => self.resilience = view,
            Msg::Deployment(view) => self.show_deployment(*view),
            Msg::TestTraffic(sample) => self.test_traffic = Some(*sample),
            Msg::Classroom(msg) => self.classroom_msg(msg),
            Msg::Clock { scale, paused } => {
                self.clock_scale = scale;
                self.clock_paused = paused;
            }
            // Keys other than presses; the rest are `update`'s.
            Msg::Key(_)
            | Msg::Mouse(_)
            | Msg::StepFinished(..)
            | Msg::Resumed(_)
            | Msg::Autopilot(_) => {}
        }
    }

    fn classroom_msg(&mut self, msg: ClassroomMsg) {
        let Some(room) = self.classroom.as_mut() else {
            return;
        };
        match msg {
            ClassroomMsg::Broadcast(text) => room.message = Some(text),
            ClassroomMsg::HandLowered => {
                room.hand_raised = false;
                self.toast = Some("the host lowered your hand".into());
            }
        }
    }

    /// New weights, marked on the traffic chart when they changed while traffic runs.
    fn show_weights(&mut self, weights: Weights) {
        if self.weights.as_ref() != Some(&weights) && self.traffic.running {
            let at = self.traffic_time();
            self.traffic.markers.push(at);
        }
        self.weights = Some(weights);
    }

    /// A traffic sample: the latest numbers, and each version's share in the chart's history
    /// (and in the current deployment stage's tally).
    fn show_sample(&mut self, sample: Sample) {
        self.traffic.running = true;
        if let Some(stage) = self.traffic.stages.last_mut() {
            stage.tally.merge(&sample.last);
        }
        let shares = sample
            .window
            .versions
            .iter()
            .map(|(v, s)| (v.clone(), s.share * 100.0))
            .collect();
        self.traffic
            .history
            .push_back((sample.elapsed.as_secs_f64(), shares));
        while self.traffic.history.len() > HISTORY {
            self.traffic.history.pop_front();
        }
        self.traffic.latest = Some(sample);
    }

    /// What the autopilot did; a weight move it made refreshes the resource tree.
    pub(super) fn autopilot_event(&mut self, event: StageEvent) -> Vec<Cmd> {
        self.autopilot.running = !event.stage.is_final();
        self.autopilot.at = self.traffic_time();
        if event.stage.is_final() {
            self.toast = Some(format!("autopilot {}", event.line()));
        }
        // The resource tree shows the route's weights too: ask it anew after a move.
        let moved = event.update_route_status.is_some_and(|s| s < 300);
        self.autopilot.last = Some(event);
        if moved {
            vec![Cmd::RefreshResources]
        } else {
            vec![]
        }
    }

    fn show_deployment(&mut self, view: DeploymentView) {
        // A new stage is a marker on the chart, as a weight change is.
        let stage = |v: &DeploymentView| {
            v.deployment
                .as_ref()
                .map(|d| (d.arn.clone(), d.stage.clone(), d.configured.clone()))
        };
        if self.traffic.running
            && let Some(old) = &self.deployment
            && stage(old).is_some()
            && stage(old) != stage(&view)
        {
            let at = self.traffic_time();
            self.traffic.markers.push(at);
        }
        self.record_stage(&view);
        self.deployment = Some(view);
    }

    /// A new stage (or split, or the end) of the watched deployment starts a new tally.
    fn record_stage(&mut self, view: &DeploymentView) {
        let Some(d) = &view.deployment else {
            return;
        };
        let ended = crate::session::deployment_watch::has_ended(&d.status);
        let same = self.traffic.stages.last().is_some_and(|s| {
            s.arn == d.arn && s.stage == d.stage && s.configured == d.configured && s.ended == ended
        });
        if same {
            return;
        }
        if self.traffic.stages.len() >= STAGES_KEPT {
            self.traffic.stages.remove(0);
        }
        self.traffic.stages.push(SeenStage {
            arn: d.arn.clone(),
            stage: d.stage.clone(),
            configured: d.configured.clone(),
            ended,
            since: self.traffic_time(),
            tally: crate::load::stats::Tally::new(),
        });
    }

    /// The stages of deployment `arn` the pane saw while it ran, with the traffic of each.
    pub fn seen_stages(&self, arn: &str) -> Vec<crate::session::deployment_watch::Stage> {
        let now = self.traffic_time();
        let stages = &self.traffic.stages;
        stages
            .iter()
            .enumerate()
            .filter(|(_, s)| s.arn == arn && !s.ended)
            .map(|(i, s)| {
                let until = stages.get(i + 1).map_or(now, |next| next.since);
                crate::session::deployment_watch::Stage {
                    stage: s.stage.clone(),
                    configured: s.configured.clone(),
                    observed: s.tally.summary(std::time::Duration::from_secs_f64(
                        (until - s.since).max(0.0),
                    )),
                }
            })
            .collect()
    }
}
