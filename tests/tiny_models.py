"""Tiny random-weight models, built and saved locally so the real loading code can be tested.

Each builder writes a directory that the server loads through the same
``from_pretrained(path)`` path it uses for the real checkpoints:

- ``build_shap_e``: a diffusers ShapEPipeline (text -> 3D latents -> mesh)
- ``build_shap_e_img2img``: a diffusers ShapEImg2ImgPipeline (image -> 3D)
- ``build_text2image``: a StableDiffusionPipeline that AutoPipelineForText2Image loads
- ``build_rembg_onnx``: an ONNX background-removal model for rembg's custom-model session

Random weights make noise, not jewelry; what these prove is that every stage runs, in order,
through the real code. Everything is small enough for a job to take seconds on a CPU.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
from pathlib import Path

import numpy as np

# ---------------------------------------------------------------------------------------------
# Marching-cubes lookup table for diffusers' MeshDecoder.
#
# Real Shap-E checkpoints carry this table as buffers (mesh_decoder.cases / .masks); a randomly
# initialised renderer has zeros there and produces no surface. We derive the table from first
# principles: for each of the 256 inside/outside corner patterns, cut every cube face along its
# sign changes (on a face with two diagonal inside corners, always cut off each inside corner,
# a rule both cubes sharing the face agree on, so the surface has no cracks), chain the face
# segments into closed loops, and fan-triangulate each loop.
# ---------------------------------------------------------------------------------------------

# Corner i of a cube sits at (x, y, z) = (bit 0, bit 1, bit 2) of i: the bit packing that
# MeshDecoder.forward uses for its 8-bit case index ("inside" = field > 0).
CUBE_CORNERS = [(i & 1, (i >> 1) & 1, (i >> 2) & 1) for i in range(8)]


def _corner_id(xyz: list[int]) -> int:
    return xyz[0] + 2 * xyz[1] + 4 * xyz[2]


def _cube_edges() -> list[tuple[int, int]]:
    """The 12 edges as corner pairs, in MeshDecoder's local order (_create_flat_edge_indices):
    four along x, then four along y, then four along z; within an axis, the first of the two
    other axes varies fastest."""
    edges = []
    for axis in range(3):
        first, second = (a for a in range(3) if a != axis)
        for k in range(4):
            start = [0, 0, 0]
            start[first], start[second] = k & 1, k >> 1
            end = list(start)
            end[axis] = 1
            edges.append((_corner_id(start), _corner_id(end)))
    return edges


CUBE_EDGES = _cube_edges()


def _faces() -> list[tuple[np.ndarray, list[int], list[int]]]:
    """(outward normal, corner ids, edge ids) for each of the 6 cube faces."""
    faces = []
    for axis in range(3):
        for side in (0, 1):
            normal = np.zeros(3)
            normal[axis] = 1.0 if side else -1.0
            corners = [c for c in range(8) if CUBE_CORNERS[c][axis] == side]
            edges = [e for e, (a, b) in enumerate(CUBE_EDGES) if a in corners and b in corners]
            faces.append((normal, corners, edges))
    return faces


CUBE_FACES = _faces()


def _edge_midpoint(edge: int) -> np.ndarray:
    a, b = CUBE_EDGES[edge]
    return (np.array(CUBE_CORNERS[a]) + np.array(CUBE_CORNERS[b])) / 2.0


def _face_segments(inside: list[bool]) -> dict[int, int]:
    """Directed surface segments on the cube faces, as {from_edge: to_edge}.

    Each segment runs so that, seen from outside the cube, the inside region lies on its
    left; chained together they give loops whose winding points the normals outward."""
    following = {}
    for normal, corners, edges in CUBE_FACES:
        crossed = [e for e in edges if inside[CUBE_EDGES[e][0]] != inside[CUBE_EDGES[e][1]]]
        if len(crossed) == 2:
            inside_corners = [CUBE_CORNERS[c] for c in corners if inside[c]]
            pairs = [(crossed, np.mean(inside_corners, axis=0))]
        elif len(crossed) == 4:  # ambiguous face: cut off each inside corner on its own
            pairs = [
                ([e for e in edges if c in CUBE_EDGES[e]], np.array(CUBE_CORNERS[c], float))
                for c in corners
                if inside[c]
            ]
        else:
            pairs = []
        for (first, second), inside_point in pairs:
            p, q = _edge_midpoint(first), _edge_midpoint(second)
            if np.dot(np.cross(q - p, inside_point - p), normal) < 0:
                first, second = second, first
            following[first] = second
    return following


def _shares_a_face(edge_a: int, edge_b: int) -> bool:
    return any(edge_a in edges and edge_b in edges for _, _, edges in CUBE_FACES)


def _triangulate(loop: list[int]) -> list[tuple[int, int, int]]:
    """Fan-triangulate a loop from an apex whose diagonals stay off the cube faces.

    A diagonal between two points of one face could coincide with a diagonal the neighbouring
    cube draws on that same face, giving an edge shared by four triangles (non-manifold)."""
    for shift in range(len(loop)):
        ring = loop[shift:] + loop[:shift]
        if not any(_shares_a_face(ring[0], ring[i]) for i in range(2, len(ring) - 1)):
            break
    else:
        raise AssertionError(f"no clean fan apex for loop {loop}")
    # Reversed order: the segment direction above makes this winding face outward.
    return [(ring[0], ring[i + 1], ring[i]) for i in range(1, len(ring) - 1)]


def marching_cubes_tables() -> tuple[np.ndarray, np.ndarray]:
    """(cases [256, 5, 3] int64 edge ids, masks [256, 5] bool) for MeshDecoder's buffers."""
    cases = np.zeros((256, 5, 3), dtype=np.int64)
    masks = np.zeros((256, 5), dtype=bool)
    for case in range(256):
        following = _face_segments([bool(case >> c & 1) for c in range(8)])
        triangles = []
        unvisited = set(following)
        while unvisited:
            loop = [min(unvisited)]
            while following[loop[-1]] != loop[0]:
                loop.append(following[loop[-1]])
            unvisited -= set(loop)
            triangles += _triangulate(loop)
        assert len(triangles) <= 5, (case, triangles)
        for slot, triangle in enumerate(triangles):
            cases[case, slot] = triangle
            masks[case, slot] = True
    return cases, masks


def fill_marching_cubes_tables(renderer) -> None:
    import torch

    cases, masks = marching_cubes_tables()
    decoder = renderer.mesh_decoder
    decoder.cases.copy_(torch.from_numpy(cases))
    decoder.masks.copy_(torch.from_numpy(masks))


# ---------------------------------------------------------------------------------------------
# Shared tiny pieces
# ---------------------------------------------------------------------------------------------

TEXT_DIM = 16  # CLIP hidden and projection size
LATENT_DIM = 16  # Shap-E latent width (d_latent)
RENDERER_WIDTH = 8  # Shap-E renderer MLP width
MAX_TOKENS = 32


def _tiny_tokenizer(work_dir: Path):
    """A CLIP BPE tokenizer over printable ASCII, from a vocab.json + merges.txt written here."""
    from transformers import CLIPTokenizer

    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for code in range(33, 127):  # printable ASCII maps to itself in byte-level BPE
        vocab[chr(code)] = len(vocab)
        vocab[chr(code) + "</w>"] = len(vocab)
    vocab["en</w>"] = len(vocab)  # one real merge, so the BPE merge path runs too
    source = work_dir / "tokenizer_source"
    source.mkdir(parents=True, exist_ok=True)
    (source / "vocab.json").write_text(json.dumps(vocab))
    (source / "merges.txt").write_text("#version: 0.2\ne n</w>\n")
    return CLIPTokenizer.from_pretrained(str(source), model_max_length=MAX_TOKENS)


def _text_config(tokenizer):
    from transformers import CLIPTextConfig

    return CLIPTextConfig(
        vocab_size=len(tokenizer),
        hidden_size=TEXT_DIM,
        intermediate_size=2 * TEXT_DIM,
        projection_dim=TEXT_DIM,
        num_hidden_layers=1,
        num_attention_heads=2,
        max_position_embeddings=MAX_TOKENS,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )


def _shap_e_prior(*, image_conditioned: bool):
    from diffusers import PriorTransformer

    return PriorTransformer(
        num_attention_heads=2,
        attention_head_dim=8,
        num_layers=1,
        embedding_dim=LATENT_DIM,
        # The renderer projects 4 slices of the latent, each RENDERER_WIDTH tokens long.
        num_embeddings=4 * RENDERER_WIDTH,
        additional_embeddings=0,
        time_embed_act_fn="gelu",
        norm_in_type="layer",
        embedding_proj_norm_type="layer" if image_conditioned else None,
        encoder_hid_proj_type=None,
        added_emb_type=None,
        time_embed_dim=32,
        embedding_proj_dim=TEXT_DIM,
        clip_embed_dim=2 * LATENT_DIM,  # mean and variance
    )


def _shap_e_scheduler():
    from diffusers import HeunDiscreteScheduler

    # The real Shap-E scheduler settings.
    return HeunDiscreteScheduler(
        beta_schedule="exp",
        num_train_timesteps=1024,
        prediction_type="sample",
        use_karras_sigmas=True,
        clip_sample=True,
        clip_sample_range=1.0,
    )


def _shap_e_renderer():
    from diffusers.pipelines.shap_e.renderer import ShapERenderer

    width = RENDERER_WIDTH
    renderer = ShapERenderer(
        param_shapes=((width, 93), (width, width), (width, width), (width, width)),
        d_latent=LATENT_DIM,
        d_hidden=width,
        n_output=12,
        background=(255.0, 255.0, 255.0),
    )
    _make_field_a_blob(renderer)
    fill_marching_cubes_tables(renderer)
    return renderer


def _make_field_a_blob(renderer, radius: float = 0.6, wobble: float = 0.05) -> None:
    """Set the renderer so its signed distance field is a seed-dependent blob.

    Fully random weights give either no surface or hundreds of specks, which would test the
    noise rather than the pipeline. Here unit 0 of the MLP carries
    u(p) = sum_d cos(2 p_d) - c, about 3 - 2|p|^2 near the centre: positive inside a ball of
    ``radius``. The latent still shapes it: the first layer's weights on the low-frequency
    position features get a ``wobble`` from the (random) latent projection. u rides through the
    swish layers on an offset where swish is near linear, and the last layer removes it.
    """
    import math

    import torch

    offset, gain = 8.0, 4.0
    # Positional encoding of p (93 features): p itself, then sin(2^s p_d) at 3 + 3s + d and
    # cos(2^s p_d) at 48 + 3s + d, for scales s = 0..14.
    cos_2p = [48 + 3 + d for d in range(3)]  # s = 1
    low_frequency = [0, 1, 2] + [
        base + 3 * s + d for base in (3, 48) for s in range(3) for d in range(3)
    ]
    threshold = 2.0 + math.cos(2.0 * radius)  # u = 0 at p = (radius, 0, 0)

    mlp = renderer.mlp.mlp
    with torch.no_grad():
        # Layers 0-3 take their weights from the latent: weight = LayerNorm(proj(latent)) * gamma
        # + beta + bias. Make the latent's share small (gamma) and only on smooth features.
        for name, projection in renderer.params_proj.projections.items():
            first_layer = name.endswith("mlp__0__weight")
            target = torch.zeros(projection.vectors, projection.channels)
            if first_layer:
                target[0, cos_2p] = 1.0
            else:
                target[0, 0] = 1.0  # pass unit 0 through
            projection.norm.weight.zero_()
            projection.norm.bias.zero_()
            if first_layer:
                projection.norm.weight[low_frequency] = wobble
            projection.proj.bias.copy_(target.reshape(-1))
        for index, layer in enumerate(mlp):
            layer.bias.zero_()
            if index >= 4:  # fixed weights (not projected from the latent)
                layer.weight.mul_(0.1)
                layer.weight[0].zero_()
                layer.weight[0, 0] = 1.0
        mlp[0].bias[0] = offset - threshold
        mlp[-1].weight[0, 0] = gain
        mlp[-1].bias[0] = -gain * offset


def _seeded(seed: int):
    import torch

    torch.manual_seed(seed)


# ---------------------------------------------------------------------------------------------
# Builders
# ---------------------------------------------------------------------------------------------


def build_shap_e(path: Path, seed: int = 0) -> Path:
    """A tiny ShapEPipeline saved with save_pretrained; returns the directory."""
    from diffusers import ShapEPipeline
    from transformers import CLIPTextModelWithProjection

    _seeded(seed)
    path = Path(path)
    tokenizer = _tiny_tokenizer(path.parent / f".{path.name}-build")
    pipe = ShapEPipeline(
        prior=_shap_e_prior(image_conditioned=False),
        text_encoder=CLIPTextModelWithProjection(_text_config(tokenizer)).eval(),
        tokenizer=tokenizer,
        scheduler=_shap_e_scheduler(),
        shap_e_renderer=_shap_e_renderer(),
    )
    pipe.save_pretrained(str(path))
    return path


def build_shap_e_img2img(path: Path, seed: int = 0) -> Path:
    """A tiny ShapEImg2ImgPipeline (CLIP vision encoder on 8x8 images)."""
    from diffusers import ShapEImg2ImgPipeline
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModel

    _seeded(seed)
    image_size = 8
    vision = CLIPVisionModel(
        CLIPVisionConfig(
            hidden_size=TEXT_DIM,
            intermediate_size=2 * TEXT_DIM,
            projection_dim=TEXT_DIM,
            num_hidden_layers=1,
            num_attention_heads=2,
            image_size=image_size,
            patch_size=4,
        )
    ).eval()
    processor = CLIPImageProcessor(
        size={"shortest_edge": image_size},
        crop_size={"height": image_size, "width": image_size},
    )
    pipe = ShapEImg2ImgPipeline(
        prior=_shap_e_prior(image_conditioned=True),
        image_encoder=vision,
        image_processor=processor,
        scheduler=_shap_e_scheduler(),
        shap_e_renderer=_shap_e_renderer(),
    )
    pipe.save_pretrained(str(path))
    return Path(path)


def build_text2image(path: Path, seed: int = 0) -> Path:
    """A tiny StableDiffusionPipeline (32x32 images) for AutoPipelineForText2Image."""
    from diffusers import (
        AutoencoderKL,
        EulerDiscreteScheduler,
        StableDiffusionPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextModel

    _seeded(seed)
    path = Path(path)
    tokenizer = _tiny_tokenizer(path.parent / f".{path.name}-build")
    unet = UNet2DConditionModel(
        sample_size=16,
        in_channels=4,
        out_channels=4,
        layers_per_block=1,
        block_out_channels=(8, 16),
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=TEXT_DIM,
        attention_head_dim=2,
        norm_num_groups=4,
    )
    vae = AutoencoderKL(
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
        up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"),
        block_out_channels=(8, 16),
        latent_channels=4,
        norm_num_groups=4,
        sample_size=32,
    )
    pipe = StableDiffusionPipeline(
        vae=vae,
        text_encoder=CLIPTextModel(_text_config(tokenizer)).eval(),
        tokenizer=tokenizer,
        unet=unet,
        # sdxl-turbo's sampler family, with its "trailing" timesteps for 1-4 step sampling.
        scheduler=EulerDiscreteScheduler(timestep_spacing="trailing", steps_offset=1),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipe.save_pretrained(str(path))
    return path


def build_rembg_onnx(path: Path) -> Path:
    """A 1x1-convolution "segmenter" in rembg's u2net layout: input 1x3x320x320 normalised RGB,
    output 1x1x320x320 where darker pixels score higher. A dark object on white therefore gets
    a real mask, and the output is never constant (rembg min-max normalises it)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    size = 320
    weight = numpy_helper.from_array(np.full((1, 3, 1, 1), -1.0, dtype=np.float32), "weight")
    graph = helper.make_graph(
        [
            helper.make_node("Conv", ["input.1", "weight"], ["darkness"]),
            helper.make_node("Sigmoid", ["darkness"], ["mask"]),
        ],
        "tiny_background_removal",
        [helper.make_tensor_value_info("input.1", TensorProto.FLOAT, [1, 3, size, size])],
        [helper.make_tensor_value_info("mask", TensorProto.FLOAT, [1, 1, size, size])],
        initializer=[weight],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8  # readable by every onnxruntime release of the last years
    onnx.checker.check_model(model)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    return path


def build_all(root: Path) -> dict[str, Path]:
    """Every tiny model under ``root``; keys are the server's --model keys."""
    root = Path(root)
    return {
        "shap-e": build_shap_e(root / "shap-e"),
        "image-to-3d.text2image": build_text2image(root / "text2image"),
        "image-to-3d.img2mesh": build_shap_e_img2img(root / "shap-e-img2img"),
        "image-to-3d.rembg": build_rembg_onnx(root / "rembg" / "tiny_rembg.onnx"),
    }


def install_in_hf_cache(model_dir: Path, repo_id: str, cache_dir: Path) -> Path:
    """Put a saved model into a Hugging Face hub cache as a download would: content-addressed
    blobs, a snapshot of symlinks to them, and refs/main naming the snapshot. Returns the
    snapshot folder. Lets tests use real repo ids offline."""
    import hashlib

    repo_dir = Path(cache_dir) / ("models--" + repo_id.replace("/", "--"))
    commit = hashlib.sha1(repo_id.encode()).hexdigest()
    snapshot = repo_dir / "snapshots" / commit
    for source in sorted(Path(model_dir).rglob("*")):
        if not source.is_file():
            continue
        data = source.read_bytes()
        blob = repo_dir / "blobs" / hashlib.sha256(data).hexdigest()
        blob.parent.mkdir(parents=True, exist_ok=True)
        blob.write_bytes(data)
        link = snapshot / source.relative_to(model_dir)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(os.path.relpath(blob, link.parent))
    (repo_dir / "refs").mkdir(parents=True, exist_ok=True)
    (repo_dir / "refs" / "main").write_text(commit)
    return snapshot


_built: dict[str, dict[str, Path]] = {}


def shared_models(base_dir: Path) -> dict[str, Path]:
    """``build_all`` once per test process (several test modules use the same models)."""
    if "all" not in _built:
        root = Path(base_dir) / "tiny-models"
        if importlib.util.find_spec("torch") is not None:
            _built["all"] = build_all(root)
        else:  # an add-on test venv without torch: the server's Python builds them
            from tests.server_process import REPO_ROOT, SERVER_PYTHON

            code = "import json, sys; from tests import tiny_models; "
            code += "print(json.dumps({k: str(v) for k, v in tiny_models.build_all(sys.argv[1]).items()}))"
            done = subprocess.run([SERVER_PYTHON, "-c", code, str(root)], cwd=REPO_ROOT,
                                  capture_output=True, text=True, check=True)  # fmt: skip
            paths = json.loads(done.stdout.strip().splitlines()[-1])
            _built["all"] = {k: Path(v) for k, v in paths.items()}
    return _built["all"]


# Tiny models spend their time in thread hand-offs, not arithmetic: one thread is ~10x faster
# than two on a busy 2-core machine. Servers running them in tests get this environment.
TINY_SERVER_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

# Params that keep a tiny job to a fraction of a second (the defaults suit the real models).
FAST_PARAMS = {"steps": 8, "grid_size": 32, "image_steps": 2}


def model_args(models: dict[str, Path]) -> list[str]:
    """``--model KEY=PATH`` arguments for ``python -m ai_server serve``."""
    return [arg for key, path in models.items() for arg in ("--model", f"{key}={path}")]
