"""Image rules: modern formats, resized in the browser, over-weight bitmaps, offscreen images."""

from ecoaudit.capture import Image
from tests.rule_captures import SITE, finding, page, req


def img(path: str, fmt: str, size: int, **fields):
    return req(path, "image", size=size, sniffed_format=fmt, mime_type=f"image/{fmt}", **fields)


def element(path: str, natural: tuple[int, int], displayed: tuple[float, float], **fields) -> Image:
    return Image(url=SITE + path, natural_width=natural[0], natural_height=natural[1],
                 displayed_width=displayed[0], displayed_height=displayed[1], **fields)


# modern-image-formats: more than 75 % of raster images in WebP, AVIF or JPEG XL

def test_all_modern_formats_pass():
    capture = page(img("/a", "webp", 5000), img("/b", "avif", 5000), img("/c", "jxl", 5000))
    assert finding("modern-image-formats", capture).status == "pass"


def test_exactly_75_percent_fails_and_80_percent_passes():
    modern = [img(f"/m{i}", "webp", 5000) for i in range(4)]
    at_75 = page(*modern[:3], img("/old", "jpeg", 5000))
    result = finding("modern-image-formats", at_75)
    assert (result.status, result.value) == ("fail", 75.0)
    at_80 = page(*modern, img("/old", "jpeg", 5000))
    assert finding("modern-image-formats", at_80).status == "pass"


def test_format_is_read_from_the_bytes_not_the_declared_type():
    liar = req("/photo", "image", size=5000, mime_type="image/webp", sniffed_format="jpeg")
    assert finding("modern-image-formats", page(liar)).status == "fail"


def test_saving_is_estimated_from_the_pixels_at_0_2_byte_per_pixel():
    capture = page(img("/p.jpg", "jpeg", 100_000),
                   images=[element("/p.jpg", (500, 200), (500, 200))])
    assert finding("modern-image-formats", capture).evidence[0].saving_bytes == 80_000


def test_no_raster_image_over_the_minimum_is_na():
    capture = page(img("/pixel.gif", "gif", 43), req("/logo.svg", "image", size=4000,
                                                     mime_type="image/svg+xml"))
    result = finding("modern-image-formats", capture)
    assert result.status == "na" and "1000" in result.reason


# images-resized-in-browser: natural >= displayed + 2 px both ways and waste >= 4096 bytes

def test_image_displayed_at_its_size_passes():
    capture = page(images=[element("/a", (400, 200), (400, 200), bytes=40_000)])
    assert finding("images-resized-in-browser", capture).status == "pass"


def test_excess_edge_of_two_pixels():
    plus_two = element("/a", (402, 202), (400, 200), bytes=1_000_000)
    plus_one = element("/b", (401, 201), (400, 200), bytes=1_000_000)
    assert finding("images-resized-in-browser", page(images=[plus_two])).value == 1
    assert finding("images-resized-in-browser", page(images=[plus_one])).value == 0


def test_waste_below_4096_bytes_is_not_flagged():
    # 4× the pixels: waste = 3/4 of the bytes
    assert finding("images-resized-in-browser",
                   page(images=[element("/a", (800, 400), (400, 200), bytes=5_460)])).value == 0
    result = finding("images-resized-in-browser",
                     page(images=[element("/a", (800, 400), (400, 200), bytes=5_462)]))
    assert result.value == 1 and result.evidence[0].saving_bytes == 4_096


def test_srcset_images_need_a_bigger_waste():
    srcset = element("/a", (800, 400), (400, 200), bytes=10_000, has_srcset=True)
    assert finding("images-resized-in-browser", page(images=[srcset])).value == 0


def test_half_resized_warns_more_than_half_fails():
    big = element("/big", (2000, 1000), (400, 200), bytes=500_000)
    fine = element("/fine", (400, 200), (400, 200), bytes=40_000)
    assert finding("images-resized-in-browser", page(images=[big, fine])).status == "warn"
    other = element("/big2", (2000, 1000), (400, 200), bytes=500_000)
    assert finding("images-resized-in-browser", page(images=[big, other, fine])).status == "fail"


def test_resized_without_displayed_raster_images_is_na():
    vector = element("/logo.svg", (1000, 1000), (100, 100), is_vector=True)
    hidden = element("/h", (1000, 1000), (0, 0), visible=False)
    assert finding("images-resized-in-browser", page(images=[vector, hidden])).status == "na"


# bitmap-overweight: 0.2 byte per pixel, small-image allowances, 500 kB cap

def test_well_compressed_photo_passes():
    capture = page(img("/p", "jpeg", 50_000),
                   images=[element("/p", (1000, 1000), (1000, 1000))])
    assert finding("bitmap-overweight", capture).status == "pass"


def test_overweight_photo_fails_with_the_gain():
    capture = page(img("/p", "jpeg", 300_000), images=[element("/p", (500, 500), (500, 500))])
    result = finding("bitmap-overweight", capture)
    assert (result.status, result.value) == ("fail", 250_000)
    assert "1.20 octet/pixel" in result.evidence[0].detail


def test_small_total_gain_warns():
    capture = page(img("/p", "jpeg", 40_000), images=[element("/p", (100, 100), (100, 100))])
    assert finding("bitmap-overweight", capture).status == "warn"


def test_gain_edge_of_500_bytes():
    def with_size(size):
        return page(img("/p", "jpeg", size), images=[element("/p", (100, 100), (100, 100))])
    assert finding("bitmap-overweight", with_size(10_500)).status == "pass"
    assert finding("bitmap-overweight", with_size(10_501)).status == "warn"


def test_png_under_50_kb_is_allowed():
    capture = page(img("/p", "png", 49_999), images=[element("/p", (10, 10), (10, 10))])
    assert finding("bitmap-overweight", capture).status == "pass"


def test_image_over_the_cap_is_flagged_without_pixel_data():
    result = finding("bitmap-overweight", page(img("/huge", "webp", 600_000)))
    assert (result.status, result.value) == ("fail", 100_000)


def test_bitmap_without_raster_images_is_na():
    assert finding("bitmap-overweight", page(req("/"))).status == "na"


# offscreen-images: downloaded but not displayed (fail), offscreen without lazy (warn)

def test_visible_first_screen_image_passes():
    image = element("/a", (400, 200), (400, 200), in_first_viewport=True, bytes=50_000)
    assert finding("offscreen-images", page(images=[image])).status == "pass"


def test_downloaded_but_hidden_image_fails():
    hidden = element("/h", (100, 100), (0, 0), visible=False, bytes=30_000)
    result = finding("offscreen-images", page(images=[hidden]))
    assert result.status == "fail" and result.evidence[0].saving_bytes == 30_000
    tiny = element("/t", (99, 100), (0, 0), visible=False, bytes=3_000)
    assert finding("offscreen-images", page(images=[tiny])).status == "pass"


def test_offscreen_image_without_lazy_warns_from_2048_bytes():
    def below(size, lazy=False):
        return page(images=[element("/b", (400, 200), (400, 200), bytes=size, lazy=lazy)])
    assert finding("offscreen-images", below(2_047)).status == "pass"
    assert finding("offscreen-images", below(2_048)).status == "warn"
    assert finding("offscreen-images", below(50_000, lazy=True)).status == "pass"


def test_offscreen_without_images_is_na():
    assert finding("offscreen-images", page()).status == "na"


def test_an_image_shown_anywhere_on_the_page_is_not_counted_as_hidden():
    shown = element("/a", (400, 200), (400, 200), in_first_viewport=True, bytes=50_000)
    hidden_copy = element("/a", (400, 200), (0, 0), visible=False, bytes=50_000)
    assert finding("offscreen-images", page(images=[hidden_copy, shown])).status == "pass"
