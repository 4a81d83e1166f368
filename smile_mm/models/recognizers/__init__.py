from .smile_recognizer import SMILERecognizer

__all__ = ['SMILERecognizer']
