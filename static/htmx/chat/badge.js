// The tab's count: "(3) #general · Chat" in the title, and the number drawn on the site's
// icon (a canvas, set as a data: URL); both go when the count is back to nothing.

const BADGE_SIZE = 64;

let baseTitle = null;
let baseIcon = null;
let iconImage = null;
let shown = 0;

function icon() {
  return document.querySelector('link[rel="icon"]');
}

export function showCount(count) {
  baseTitle ??= document.title;
  document.title = count > 0 ? `(${count}) ${baseTitle}` : baseTitle;
  if (count === shown) return;
  shown = count;
  const link = icon();
  if (!link) return;
  if (baseIcon === null) baseIcon = { href: link.href, type: link.type };
  if (count === 0) {
    link.href = baseIcon.href;
    link.type = baseIcon.type;
    return;
  }
  drawBadge(count, (url) => {
    // A count that changed while the icon loaded draws again with its own number.
    if (shown !== count) return;
    link.type = "image/png";
    link.href = url;
  });
}

function drawBadge(count, done) {
  if (!iconImage) {
    iconImage = new Image();
    iconImage.src = baseIcon.href;
  }
  const draw = () => {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = BADGE_SIZE;
    const context = canvas.getContext("2d");
    context.drawImage(iconImage, 0, 0, BADGE_SIZE, BADGE_SIZE);
    const radius = BADGE_SIZE * 0.3;
    const centre = BADGE_SIZE - radius;
    context.fillStyle = "#d0342c";
    context.beginPath();
    context.arc(centre, centre, radius, 0, 2 * Math.PI);
    context.fill();
    context.fillStyle = "#fff";
    context.font = `bold ${Math.round(radius * 1.3)}px sans-serif`;
    context.textAlign = "center";
    context.textBaseline = "middle";
    context.fillText(count > 9 ? "9+" : String(count), centre, centre + 1);
    done(canvas.toDataURL("image/png"));
  };
  if (iconImage.complete && iconImage.naturalWidth) draw();
  else iconImage.addEventListener("load", draw, { once: true });
}
