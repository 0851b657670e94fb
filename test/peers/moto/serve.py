"""moto_server with what a real AWS account has and moto lacks: an Ubuntu 24.04 amd64 AMI and Canonical's
public SSM parameter naming it (ksctl's catalog reads it). Names under /aws/ are reserved, so PutParameter
refuses them (in AWS as in moto); this seeds moto's SSM backend before the server starts, then runs moto's
own server entry point with the given arguments. Prints the AMI id on its first line.

Usage: serve.py <region> <moto_server args...>
"""
import sys

from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.utils import utcnow
from moto.ec2.models import ec2_backends
from moto.server import main
from moto.ssm.models import Parameter, ssm_backends

UBUNTU = "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id"

region, args = sys.argv[1], sys.argv[2:]
ami = ec2_backends[DEFAULT_ACCOUNT_ID][region].register_image(
    name="ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261201",
    description="Canonical, Ubuntu, 24.04, amd64 noble image (seeded for ksctl's tests)",
)
ssm_backends[DEFAULT_ACCOUNT_ID][region]._parameters[UBUNTU].append(
    Parameter(
        account_id=DEFAULT_ACCOUNT_ID,
        name=UBUNTU,
        value=ami.id,
        parameter_type="String",
        description=None,
        allowed_pattern=None,
        keyid=None,
        last_modified_date=utcnow(),
        version=1,
        data_type="aws:ec2:image",
    )
)
print(ami.id, flush=True)
main(args)
