// After the protocol: the DOM facts of the main frame, in one call.
() => {
  // Elements as EcoIndex counts them (the reference: Playwright's CSS `*` in the main frame,
  // minus its XPath `//*[local-name()='svg']//*`). `*` pierces open shadow roots (not closed
  // ones, not iframes, not <template> content); the XPath only sees the document tree. So an
  // element is counted unless it is in the document tree below an <svg> (the <svg> itself
  // counts); everything inside an open shadow root counts, <svg> descendants included, even
  // when the shadow host itself sits below an <svg> (in a <foreignObject>).
  let nodes = 0;
  let maxDepth = 0;
  // Iterative walk (deep DOMs would overflow a recursive one):
  // [parent, belowSvg (document tree only), inShadowTree, depth].
  const stack = [[document, false, false, 0]];
  while (stack.length > 0) {
    const [root, belowSvg, inShadow, level] = stack.pop();
    if (level > maxDepth) maxDepth = level;
    for (const element of root.children) {
      if (!belowSvg) nodes += 1;
      if (element.shadowRoot) stack.push([element.shadowRoot, false, true, level + 1]);
      const childBelowSvg = !inShadow && (belowSvg || element.localName === "svg");
      stack.push([element, childBelowSvg, inShadow, level + 1]);
    }
  }

  const visible = (element, box) => {
    if (box.width <= 0 || box.height <= 0) return false;
    const style = getComputedStyle(element);
    return style.visibility !== "hidden" && style.display !== "none" && style.opacity !== "0";
  };
  const images = [];
  for (const image of Array.from(document.images).slice(0, 2000)) {
    const box = image.getBoundingClientRect();
    const src = image.currentSrc || image.src || "";
    images.push({
      url: src,
      natural_width: image.naturalWidth,
      natural_height: image.naturalHeight,
      displayed_width: box.width,
      displayed_height: box.height,
      in_first_viewport: image.__ecoauditFirstViewport === true,
      lazy: (image.getAttribute("loading") || "").toLowerCase() === "lazy",
      visible: visible(image, box),
      has_srcset: image.hasAttribute("srcset") || !!image.closest("picture"),
      is_vector: /\.svg(\?|#|$)/i.test(src) || src.startsWith("data:image/svg"),
    });
  }
  const media = [];
  for (const element of Array.from(document.querySelectorAll("video, audio")).slice(0, 200)) {
    media.push({
      tag: element.localName,
      src: element.currentSrc || element.src || null,
      autoplay: element.autoplay,
      playing: !element.paused && !element.ended,
      muted: element.muted,
      loop: element.loop,
      preload: element.getAttribute("preload"),
      width: element.videoWidth || 0,
      height: element.videoHeight || 0,
    });
  }
  const fonts = [];
  if (document.fonts) {
    for (const face of document.fonts) {
      if (fonts.length >= 200) break;
      fonts.push({ family: face.family.replace(/^["']|["']$/g, ""), style: face.style,
                   weight: String(face.weight), status: face.status });
    }
  }
  const inlineScripts = Array.from(document.scripts).filter(
    (script) => !script.src && script.textContent.trim() !== "" &&
      (script.type || "").toLowerCase() !== "application/ld+json").length;
  const printSheet = document.querySelector(
    'link[rel~="stylesheet"][media*="print"], style[media*="print"]') !== null;
  // The page's canonical URL (<link rel="canonical"> of the head; `.href` resolves it against
  // the document's base URL). Read only: it costs no request and changes no count.
  const canonical = document.head
    ? document.head.querySelector('link[rel~="canonical" i][href]') : null;
  return {
    nodes,
    title: document.title,
    canonical: canonical ? canonical.href : null,
    lang: document.documentElement ? document.documentElement.getAttribute("lang") : null,
    images,
    media,
    fonts,
    permissions: Array.from(window.__ecoauditPermissions || []),
    dom: {
      iframes: document.querySelectorAll("iframe, frame").length,
      plugins: document.querySelectorAll("object, embed").length,
      empty_src: document.querySelectorAll(
        'img[src=""], script[src=""], link[rel~="stylesheet"][href=""]').length,
      inline_styles: document.querySelectorAll("style").length,
      inline_scripts: inlineScripts,
      stylesheets: document.querySelectorAll('link[rel~="stylesheet"]').length,
      print_stylesheet: printSheet,
      has_meta_viewport: document.querySelector('meta[name="viewport"]') !== null,
      max_depth: maxDepth,
    },
  };
}
