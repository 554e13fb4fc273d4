// The links of the main frame (a[href], area[href]), resolved, deduplicated, capped.
() => {
  const links = [];
  const seen = new Set();
  for (const anchor of document.querySelectorAll("a[href], area[href]")) {
    const href = anchor.href;
    if (typeof href !== "string" || seen.has(href) || links.length >= 5000) continue;
    seen.add(href);
    links.push({ url: href, text: (anchor.textContent || anchor.getAttribute("alt") || "").trim().slice(0, 200) });
  }
  return links;
}
