//! Presenter notes: the terminal UI publishes the presenter's current step to a file in the
//! state directory; `meshwalk notes`, in a second terminal, follows that file and shows the
//! step's notes, its number and the time spent (as presenterm's speaker notes do). Notes are
//! never drawn on the main screen.

pub mod publisher;
pub mod state;
pub mod view;

pub use publisher::Publisher;
pub use state::{Follower, PresenterState};
