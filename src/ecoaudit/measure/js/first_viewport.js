// Before any scroll: mark the images visible in the first viewport.
() => {
  const height = window.innerHeight, width = window.innerWidth;
  for (const image of document.images) {
    const box = image.getBoundingClientRect();
    image.__ecoauditFirstViewport =
      box.bottom > 0 && box.right > 0 && box.top < height && box.left < width;
  }
}
