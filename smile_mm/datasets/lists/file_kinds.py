"""Which files are images and which are videos, by their extension."""

#: images the object bank and the static backgrounds read
IMAGE_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.webp')
#: videos the datasets and the tools read (decord and PyAV decode them)
VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mkv', '.webm', '.mov', '.m4v', '.mpg',
                    '.mpeg')
