from ocr_inference.cli import app

app(prog_name="ocr-inference")
