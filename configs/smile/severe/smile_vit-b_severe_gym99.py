# SEVERE, domain shift (Table 14): fine-tune on FineGym Gym99, top-1.
_base_ = ['../finetune/smile_vit-b_16x4x1_gym99-ft.py']
