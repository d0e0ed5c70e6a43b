// The page's live elements, looked up whenever asked: swaps replace them, so none is kept.

// The room's section, on a room page only.
export const room = () => document.querySelector(".room");
// The element holding the socket: the room, or the lobby.
export const live = () => document.querySelector("[ws-connect]");
export const scroller = () => document.querySelector(".scroller");
export const messageList = () => document.getElementById("messages");
export const numeric = (element, name) => Number(element.dataset[name]);
