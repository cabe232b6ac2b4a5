//! The domain of youyue (工会有约): the types, the workflow rules and the definitions of
//! the figures a district reports. Nothing here does I/O; storage, HTTP and the CLI build
//! on it. See ARCHITECTURE.md at the repository root.

pub mod agreement;
pub mod appointment;
pub mod appraisal;
pub mod arbitration;
pub mod assessment;
pub mod assist;
pub mod calendar;
pub mod callback;
pub mod case;
pub mod chain;
pub mod closed_loop;
pub mod command;
pub mod crisis;
pub mod deadline;
pub mod duration;
pub mod exchange;
pub mod figures;
pub mod ical;
pub mod merge;
pub mod money;
pub mod notice;
pub mod number;
pub mod retention;
pub mod roster;
pub mod search;
pub mod stats;
pub mod studio;
pub mod tally;
pub mod time;
pub mod timeliness;
pub mod tracking;
pub mod union;
pub mod workflow;

pub use case::{Channel, Kind, Status, Urgency};
pub use money::{Money, MoneySum};
pub use number::{CaseNumber, NumberQuery};
pub use time::{Period, Timestamp};
pub use union::UnionCode;
pub use workflow::{Action, Role};
