# {{ cookiecutter.service_name }} in Totem's config/compose_download_conf.sh: add this line beside the other
# CONFSTORAGE_* exports, so that `compose_download_conf.sh <storage host:port>` builds the image
# with the central service.conf from Holmes-Storage.
export CONFSTORAGE_{{ cookiecutter.service_name | upper }}=${CONFSTORAGE}{{ cookiecutter.service_name }}/
