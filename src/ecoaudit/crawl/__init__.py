"""The crawl layer: a frontier of pages to visit, politeness, robots.txt, sitemaps, documents."""
