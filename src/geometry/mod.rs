//! Where points land: [`point`] (the answers' vocabulary), [`scaling`]
//! (from the sent image back to the original), [`region`] (a screenshot's
//! part, back to an element's CSS pixels) and [`layout`] (an image pixel
//! on a displayed `<img>` or `<canvas>`). Pure: of the crate it imports
//! only [`crate::js_number`], to read CSS lengths.

pub mod layout;
pub mod point;
pub mod region;
pub mod scaling;
