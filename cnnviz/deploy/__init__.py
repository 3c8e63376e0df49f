"""Take a trained network home: export it, prove the export, and package it with a README and an example.

- :func:`export_model` ``(model, fmt, path, *, calibration_images=None) -> Path`` for ``fmt`` in
  :data:`FORMATS` (``"keras"``, ``"saved_model"``, ``"litert"``, ``"litert_int8"``, ``"onnx"``);
  :class:`CannotHold` (an :class:`~cnnviz.errors.InputError`) when a format cannot hold the model.
- :func:`check_export` ``(path, fmt, model, images, labels=None) -> ExportCheck``: the export run in
  its own runtime (:func:`predict_exported`) against Keras; ``ExportCheck.offered`` and ``.reason``.
- :func:`bundle` ``(model, fmt, class_names, ...) -> bytes``: a zip with the model, ``README.md``
  (:func:`readme_text`) and ``predict.py`` (:func:`example_code`).
- :func:`prepare_downloads` / :func:`prepare_download`: export, check and bundle, as one Dask task.
- :class:`ModelSource` / :func:`prepare_from_source`: the same task from a demo model's name or a run's
  stack and weights, rebuilt on the worker; :class:`ExportService` (:mod:`.service`): the server's
  downloads, each network exported once on the training cluster and shared.
- :func:`phone_manifest`: the JSON the phone page (``static/phone/index.html``) reads to run an ONNX export;
  :func:`publish` (:mod:`.published`) puts it and its manifest under a random, expiring name in the app's
  static folder; :func:`phone_url` (:mod:`.lan`) the address a phone opens (the LAN address, not localhost).

Nothing here imports TensorFlow or a runtime until a function needs it. The phone's runtime
(onnxruntime-web) is vendored under ``static/ort`` (see ``scripts/vendor_onnxruntime_web.py``).
"""

from cnnviz.deploy.bundle import bundle, class_names_for, example_code, readme_text
from cnnviz.deploy.check import CHECK_IMAGES, MAX_CHECK_IMAGES, ExportCheck, check_export
from cnnviz.deploy.downloads import Download, ModelSource, prepare_download, prepare_downloads, prepare_from_source
from cnnviz.deploy.export import CALIBRATION_IMAGES, INPUT_NAME, OUTPUT_NAME, CannotHold, export_model
from cnnviz.deploy.formats import FORMATS, MAX_FLOAT_DIFFERENCE, MIN_INT8_AGREEMENT, ExportFormat, export_format
from cnnviz.deploy.lan import lan_address, phone_url
from cnnviz.deploy.phone import phone_manifest
from cnnviz.deploy.published import Published, publish
from cnnviz.deploy.runtimes import predict_exported
from cnnviz.deploy.service import ExportJob, ExportRequest, ExportService, ExportSnapshot

__all__ = [
    "CALIBRATION_IMAGES",
    "CHECK_IMAGES",
    "FORMATS",
    "INPUT_NAME",
    "MAX_CHECK_IMAGES",
    "MAX_FLOAT_DIFFERENCE",
    "MIN_INT8_AGREEMENT",
    "OUTPUT_NAME",
    "CannotHold",
    "Download",
    "ExportJob",
    "ExportRequest",
    "ExportService",
    "ExportSnapshot",
    "ModelSource",
    "Published",
    "ExportCheck",
    "ExportFormat",
    "bundle",
    "check_export",
    "class_names_for",
    "example_code",
    "export_format",
    "export_model",
    "lan_address",
    "phone_manifest",
    "phone_url",
    "prepare_from_source",
    "publish",
    "predict_exported",
    "prepare_download",
    "prepare_downloads",
    "readme_text",
]
