"""Getting an image ready for image -> 3D: cut the object out, centre it, pad it onto white.

Image -> 3D models read a plain background as "nothing there"; a cluttered or grey one turns
into the flat wall artefact the mesh cleanup then has to cut away. So: background removal
with rembg (unless the image already carries a real alpha channel), then the object is
recentred and scaled into a white square with a margin, as in the models' training renders.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from ai_server import models
from ai_server.backends.base import BackendError
from ai_server.on_demand import OnDemandModel

OUTPUT_SIZE = 512  # px, square
OBJECT_FILL = 0.8  # the object's longer side spans this share of the square
OBJECT_ALPHA = 128  # alpha at or above this counts as object when finding its bounds
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding them


def open_image(path: Path) -> Image.Image:
    """Open an image file fully (EXIF orientation applied); a BackendError if it is not one."""
    try:
        with Image.open(path) as probe:
            probe.verify()  # catches truncated and corrupt files without decoding them
        image = Image.open(path)
        if image.width * image.height > MAX_PIXELS:
            raise BackendError(
                f"the image is {image.width}x{image.height} px; at most {MAX_PIXELS:,} pixels"
            )
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise BackendError(f"the uploaded file is not a readable image ({exc})") from exc
    return ImageOps.exif_transpose(image)


def has_real_alpha(image: Image.Image) -> bool:
    """True when the image has transparency that means something: an alpha channel (or a
    transparent palette entry) with at least one pixel not fully opaque. An RGBA export that
    is opaque everywhere still needs its background removed."""
    transparent_palette = image.mode == "P" and "transparency" in image.info
    if image.mode not in ("RGBA", "LA", "PA", "RGBa", "La") and not transparent_palette:
        return False
    lowest_alpha, _ = image.convert("RGBA").getchannel("A").getextrema()
    return lowest_alpha < 255


def object_bounds(rgba: Image.Image) -> tuple[int, int, int, int] | None:
    """(left, top, right, bottom) of the pixels that are object, or None when there are none."""
    mask = rgba.getchannel("A").point(lambda a: 255 if a >= OBJECT_ALPHA else 0)
    return mask.getbbox()


def recentre_on_white(
    rgba: Image.Image, size: int = OUTPUT_SIZE, fill: float = OBJECT_FILL
) -> Image.Image:
    """The object, cropped to its bounds, scaled so its longer side is ``fill`` x ``size``,
    centred on a white ``size`` x ``size`` RGB square (alpha-composited, so soft edges blend)."""
    rgba = rgba.convert("RGBA")
    bounds = object_bounds(rgba)
    if bounds is None:
        raise BackendError(
            "no object found in the image (it is empty or fully transparent after background "
            "removal); use a picture of a single object on a plain background"
        )
    cutout = rgba.crop(bounds)
    scale = fill * size / max(cutout.size)
    width = max(1, round(cutout.width * scale))
    height = max(1, round(cutout.height * scale))
    cutout = cutout.resize((width, height), Image.Resampling.LANCZOS)
    canvas = Image.new("RGB", (size, size), (255, 255, 255))
    canvas.paste(cutout, ((size - width) // 2, (size - height) // 2), mask=cutout.getchannel("A"))
    return canvas


# ------------------------------------------------------------------------------- rembg


class BackgroundRemover(OnDemandModel):
    """A rembg session for the configured model, created once on first use.

    The model is a rembg model name (its file in rembg's model folder, fetched by
    ``models download image-to-3d.rembg``) or a local .onnx file run through rembg's
    custom-model session. A missing file is a ModelMissing at once: rembg itself would try
    to download it in the middle of a job.
    """

    def __init__(self, overrides: dict[str, str]):
        super().__init__("image-to-3d.rembg", overrides)

    def session(self):
        """The rembg session, opened on first use."""
        return self.get()

    def _load(self):
        from rembg import new_session

        if models.is_local_path(self.model):
            path = str(models.rembg_model_file(self.model))
            return new_session("u2net_custom", model_path=path)
        if self.model not in models.rembg_session_names():
            raise BackendError(
                f"'{self.model}' is not a rembg model (--model {self.entry.key}=...); known: "
                f"{', '.join(models.rembg_session_names())}, or a path to an .onnx file"
            )
        return new_session(self.model)

    def remove(self, image: Image.Image) -> Image.Image:
        """The image as RGBA with the background made transparent."""
        from rembg import remove

        return remove(image.convert("RGB"), session=self.session())


@dataclass
class PreparedImage:
    image: Image.Image  # RGB, square, white background
    background: str  # what was done about the background, for the job's record


def prepare_for_3d(
    image: Image.Image, remover: BackgroundRemover, on_stage: Callable[[], None] = lambda: None
) -> PreparedImage:
    """Cut out (unless the image has its own alpha), recentre and pad onto white."""
    if has_real_alpha(image):
        cutout = image.convert("RGBA")
        background = "kept the image's own alpha channel (background removal skipped)"
    else:
        on_stage()
        cutout = remover.remove(image)
        background = f"removed with rembg ({remover.model})"
    return PreparedImage(recentre_on_white(cutout), background)
